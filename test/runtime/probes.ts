// Probes as kubelet runs them (pkg/kubelet/prober): httpGet (2xx/3xx is success), tcpSocket
// (a connect), exec (exit 0), every periodSeconds, each within timeoutSeconds. Network probes
// run inside the pod's network namespace (nsenter), against its loopback: this stand-in's pods
// have no other address.
import { execFile } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import type { ContainerPort, Probe } from 'kubernetes-types/core/v1.js';

export class ProbeError extends Error {
  readonly code = 'EPROBE';
}

export type Exec = (argv: string[], timeoutMs: number) => Promise<boolean>;

function succeeds(program: string, args: string[], timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(program, args, { timeout: timeoutMs }, (error) => resolve(error === null));
  });
}

function portOf(port: number | string, ports: readonly ContainerPort[]): number {
  if (typeof port === 'number') return port;
  const found = ports.find((p) => p.name === port);
  if (!found) throw new ProbeError(`probe port "${port}" is not a named port of the container`);
  return found.containerPort;
}

/** One probe attempt. */
export function probeOnce(netns: string, probe: Probe, ports: readonly ContainerPort[], exec: Exec): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  const inPod = ['--net=' + netns, '--'];
  if (probe.httpGet) {
    const url = `http://127.0.0.1:${portOf(probe.httpGet.port, ports)}${probe.httpGet.path ?? '/'}`;
    // -f: 4xx/5xx fail; curl follows no redirects, and 3xx counts as success, as in kubelet.
    return succeeds('nsenter', [...inPod, 'curl', '-fsS', '-o', '/dev/null', '--max-time', String(timeoutMs / 1000), url], timeoutMs + 1000);
  }
  if (probe.tcpSocket) {
    const port = portOf(probe.tcpSocket.port, ports);
    return succeeds('nsenter', [...inPod, 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], timeoutMs);
  }
  if (probe.exec?.command) return exec(probe.exec.command, timeoutMs);
  throw new ProbeError('a probe needs httpGet, tcpSocket or exec');
}

export interface ProbeWait {
  netns: string;
  probe: Probe;
  ports: readonly ContainerPort[];
  exec: Exec;
  /** Rejects when the container exits: a probe of a dead container never passes. */
  exited: Promise<unknown>;
  what: string;
}

/** Resolves at the first success; rejects after failureThreshold failures in a row. */
export async function waitForProbe({ netns, probe, ports, exec, exited, what }: ProbeWait): Promise<number> {
  const started = Date.now();
  const failures = probe.failureThreshold ?? 3;
  let dead: unknown = null;
  void exited.then((e) => (dead = e ?? 'exited'), (e: unknown) => (dead = e));
  await delay((probe.initialDelaySeconds ?? 0) * 1000);
  for (let attempt = 1; attempt <= failures; attempt++) {
    if (dead !== null) throw new ProbeError(`${what}: the container exited before its probe passed`);
    if (await probeOnce(netns, probe, ports, exec)) return Date.now() - started;
    // The probe's own period: kubelet's prober is a ticker too.
    if (attempt < failures) await delay((probe.periodSeconds ?? 10) * 1000);
  }
  throw new ProbeError(`${what}: failed ${failures} times in a row`);
}

/**
 * A liveness probe run every periodSeconds for a container's life. The stand-in does not
 * restart containers: it records each failure, and tests assert there were none.
 */
export class LivenessWatch {
  readonly failures: string[] = [];
  readonly #timer: NodeJS.Timeout;
  #running = false;

  constructor(netns: string, probe: Probe, ports: readonly ContainerPort[], exec: Exec, what: string) {
    const period = (probe.periodSeconds ?? 10) * 1000;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = true;
      void probeOnce(netns, probe, ports, exec)
        .then((ok) => ok || this.failures.push(`${what} liveness failed at ${new Date().toISOString()}`))
        .finally(() => (this.#running = false));
    }, period);
    this.#timer.unref();
  }

  /** Idempotent. */
  stop(): void {
    clearInterval(this.#timer);
  }
}
