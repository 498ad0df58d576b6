// The optional HTTP probe of a bake (`--rollout-probe`): GET scheme://127.0.0.1:PORT/PATH at
// once and then every interval, each with the interval as its deadline, counting answers (2xx/3xx
// ok, 5xx) for the judge (judge.ts). The pod's own server on loopback: an https certificate is
// not verified (it names the Service, not 127.0.0.1; what is judged is the answer).
import http from 'node:http';
import https from 'node:https';
import type { ProbeCounts } from './judge.ts';
import type { ProbeSpec } from './probe-spec.ts';


/** One bake's probing: started by the loop when the reload lands, stopped when the verdict is in. */
export class HttpProbe {
  readonly #spec: ProbeSpec;
  readonly #onSample: () => void;
  #counts: ProbeCounts = { total: 0, ok: 0, status5xx: 0 };
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(spec: ProbeSpec, onSample: () => void) {
    this.#spec = spec;
    this.#onSample = onSample;
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), spec.intervalMs);
    this.#timer.unref();
  }

  counts(): ProbeCounts {
    return { ...this.#counts };
  }

  /** Idempotent; answers that arrive later are not counted. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  #tick(): void {
    void requestOnce(this.#spec).then((status) => {
      if (this.#stopped) return;
      this.#counts.total++;
      if (status >= 200 && status < 400) this.#counts.ok++;
      if (status >= 500) this.#counts.status5xx++;
      this.#onSample();
    });
  }
}

/** The answer's status, or 0 when none came within the interval. */
function requestOnce(spec: ProbeSpec): Promise<number> {
  const client = spec.scheme === 'https' ? https : http;
  return new Promise((resolve) => {
    const req = client.request({
      host: '127.0.0.1', port: spec.port, path: spec.path, method: 'GET', timeout: spec.intervalMs, agent: false,
      ...(spec.scheme === 'https' ? { rejectUnauthorized: false } : {}),
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}
