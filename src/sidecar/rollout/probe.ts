// A bake's probes of the pod's own server on loopback: `--rollout-probe` (GET, answers counted
// for the judge's ratios) and `--rollout-readiness` (the main container's readiness check as the
// kubelet runs it: a TCP connect, or a GET answered 200–399). One check at once, then one per
// interval, each with the interval as its deadline; judge.ts reads the counts and the streak of
// failures. An https certificate is not verified (it names the Service, not 127.0.0.1; what is
// judged is the answer).
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { ProbeCounts } from './judge.ts';

/** Where and how often: a ProbeSpec or a ReadinessSpec (probe-spec.ts). */
export interface ProbeTarget {
  scheme: 'tcp' | 'http' | 'https';
  port: number;
  path: string;
  intervalMs: number;
}

/** One bake's probing: started by the bake when the reload lands, stopped when the verdict is in. */
export class LoopbackProbe {
  readonly #target: ProbeTarget;
  readonly #onSample: () => void;
  #counts: ProbeCounts = { total: 0, ok: 0, status5xx: 0 };
  #streak = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(target: ProbeTarget, onSample: () => void) {
    this.#target = target;
    this.#onSample = onSample;
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), target.intervalMs);
    this.#timer.unref();
  }

  counts(): ProbeCounts {
    return { ...this.#counts };
  }

  /** Failed checks in a row, up to the latest answer (the kubelet's measure of readiness). */
  failingStreak(): number {
    return this.#streak;
  }

  /** `tcp 127.0.0.1:8080`, `GET http://127.0.0.1:8080/ready`: what the figures name. */
  describe(): string {
    const t = this.#target;
    return t.scheme === 'tcp' ? `tcp 127.0.0.1:${t.port}` : `GET ${t.scheme}://127.0.0.1:${t.port}${t.path}`;
  }

  /** Idempotent; answers that arrive later are not counted. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  #tick(): void {
    const check = this.#target.scheme === 'tcp' ? connectOnce(this.#target) : requestOnce(this.#target);
    void check.then((status) => {
      if (this.#stopped) return;
      const ok = status >= 200 && status < 400;
      this.#counts.total++;
      if (ok) this.#counts.ok++;
      if (status >= 500) this.#counts.status5xx++;
      this.#streak = ok ? 0 : this.#streak + 1;
      this.#onSample();
    });
  }
}

/** The answer's status, or 0 when none came within the interval. */
function requestOnce(target: ProbeTarget): Promise<number> {
  const client = target.scheme === 'https' ? https : http;
  return new Promise((resolve) => {
    const req = client.request({
      host: '127.0.0.1', port: target.port, path: target.path, method: 'GET', timeout: target.intervalMs, agent: false,
      ...(target.scheme === 'https' ? { rejectUnauthorized: false } : {}),
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

/** 200 when a connection opened within the interval (then closed at once, as the kubelet's tcpSocket does), else 0. */
function connectOnce(target: ProbeTarget): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: target.port, timeout: target.intervalMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(200);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(0);
    });
    socket.once('error', () => resolve(0));
  });
}
