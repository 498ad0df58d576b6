// `--rollout-probe`'s value, parsed once at the command line (no I/O here: the CLI loads this
// without the probe's HTTP clients).
import type { ProbeLimits } from './judge.ts';

export interface ProbeSpec extends ProbeLimits {
  scheme: 'http' | 'https';
  port: number;
  path: string;
}

export const PROBE_DEFAULTS = Object.freeze({ minSuccessRatio: 0.95, max5xxRatio: 0.05, intervalMs: 500 });

/** `http://:8080/healthz?minSuccess=0.95&max5xx=0.05&intervalMs=500` (host omitted or 127.0.0.1/localhost). */
export function parseProbeSpec(text: string): ProbeSpec {
  const m = /^(https?):\/\/(?:127\.0\.0\.1|localhost)?:(\d{1,5})(\/[^?#]*)?(?:\?([^#]*))?$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw new Error(`--rollout-probe ${text}: expected http[s]://:PORT/PATH[?minSuccess=R&max5xx=R&intervalMs=MS]`);
  const spec: ProbeSpec = { scheme: m[1] as ProbeSpec['scheme'], port, path: m[3] ?? '/', ...PROBE_DEFAULTS };
  for (const [key, value] of new URLSearchParams(m[4] ?? '')) {
    const n = Number(value);
    if (key === 'minSuccess' && ratio(n)) spec.minSuccessRatio = n;
    else if (key === 'max5xx' && ratio(n)) spec.max5xxRatio = n;
    else if (key === 'intervalMs' && Number.isInteger(n) && n >= 50) spec.intervalMs = n;
    else throw new Error(`--rollout-probe ${text}: ${key}=${value} is not a known setting (minSuccess and max5xx 0–1, intervalMs ≥ 50)`);
  }
  return spec;
}

function ratio(n: number): boolean {
  return Number.isFinite(n) && n >= 0 && n <= 1;
}
