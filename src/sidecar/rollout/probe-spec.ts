// The bake's probe flags, parsed once at the command line (no I/O here: the CLI loads this
// without the probes' clients): `--rollout-probe`, the HTTP probe judged by ratios, and
// `--rollout-readiness`, the main container's readiness check run as the kubelet runs it.
import type { ProbeLimits } from './judge.ts';

export interface ProbeSpec extends ProbeLimits {
  scheme: 'http' | 'https';
  port: number;
  path: string;
}

/** A readiness check on the pod's loopback: tcpSocket (connect) or httpGet (200–399), as the kubelet judges it. */
export interface ReadinessSpec {
  scheme: 'tcp' | 'http' | 'https';
  port: number;
  path: string;
  /** Consecutive failures that make the container unready (the kubelet's failureThreshold). */
  failureThreshold: number;
  intervalMs: number;
}

export const PROBE_DEFAULTS = Object.freeze({ minSuccessRatio: 0.95, max5xxRatio: 0.05, intervalMs: 500 });
/** The kubelet's own default failureThreshold, checked every second while a bake lasts. */
export const READINESS_DEFAULTS = Object.freeze({ failureThreshold: 3, intervalMs: 1000 });

/** `http://:8080/healthz?minSuccess=0.95&max5xx=0.05&intervalMs=500` (host omitted or 127.0.0.1/localhost). */
export function parseProbeSpec(text: string): ProbeSpec {
  const usage = 'http[s]://:PORT/PATH[?minSuccess=R&max5xx=R&intervalMs=MS]';
  const url = loopbackUrl('--rollout-probe', text, ['http', 'https'], usage);
  const spec: ProbeSpec = { scheme: url.scheme as ProbeSpec['scheme'], port: url.port, path: url.path, ...PROBE_DEFAULTS };
  for (const [key, value] of url.params) {
    const n = Number(value);
    if (key === 'minSuccess' && ratio(n)) spec.minSuccessRatio = n;
    else if (key === 'max5xx' && ratio(n)) spec.max5xxRatio = n;
    else if (key === 'intervalMs' && Number.isInteger(n) && n >= 50) spec.intervalMs = n;
    else throw new Error(`--rollout-probe ${text}: ${key}=${value} is not a known setting (minSuccess and max5xx 0–1, intervalMs ≥ 50)`);
  }
  return spec;
}

/** `tcp://:8080` or `http[s]://:8080/ready`, with `?failureThreshold=N&intervalMs=MS`. */
export function parseReadinessSpec(text: string): ReadinessSpec {
  const usage = 'tcp://:PORT or http[s]://:PORT/PATH[?failureThreshold=N&intervalMs=MS]';
  const url = loopbackUrl('--rollout-readiness', text, ['tcp', 'http', 'https'], usage);
  if (url.scheme === 'tcp' && url.path !== '/') throw new Error(`--rollout-readiness ${text}: a tcp check has no path; expected ${usage}`);
  const spec: ReadinessSpec = { scheme: url.scheme as ReadinessSpec['scheme'], port: url.port, path: url.path, ...READINESS_DEFAULTS };
  for (const [key, value] of url.params) {
    const n = Number(value);
    if (key === 'failureThreshold' && Number.isInteger(n) && n >= 1) spec.failureThreshold = n;
    else if (key === 'intervalMs' && Number.isInteger(n) && n >= 50) spec.intervalMs = n;
    else throw new Error(`--rollout-readiness ${text}: ${key}=${value} is not a known setting (failureThreshold ≥ 1, intervalMs ≥ 50)`);
  }
  return spec;
}

/** `scheme://[127.0.0.1|localhost]:PORT[/PATH][?QUERY]`: the pod's own loopback, nothing else. */
function loopbackUrl(flag: string, text: string, schemes: readonly string[], usage: string): { scheme: string; port: number; path: string; params: URLSearchParams } {
  const m = /^([a-z]+):\/\/(?:127\.0\.0\.1|localhost)?:(\d{1,5})(\/[^?#]*)?(?:\?([^#]*))?$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || !schemes.includes(m[1] ?? '') || port < 1 || port > 65535) throw new Error(`${flag} ${text}: expected ${usage}`);
  return { scheme: m[1] ?? '', port, path: m[3] ?? '/', params: new URLSearchParams(m[4] ?? '') };
}

function ratio(n: number): boolean {
  return Number.isFinite(n) && n >= 0 && n <= 1;
}
