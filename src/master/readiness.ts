// When a new worker counts as ready: it wrote READY=1 to its notify fd (sd_notify's
// wording), or, for programs that cannot, it is still running after a settle delay.
// The first of ready / exit / timeout / abort decides, and is the one recorded.
import type { Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { ReadinessConfig } from '../config/types.ts';
import type { ExitInfo } from '../process/exit.ts';

export type ReadyOutcome =
  | { ready: true }
  | { ready: false; exit: ExitInfo; aborted?: undefined }
  | { ready: false; exit?: undefined; aborted: string }
  | { ready: false; exit?: undefined; aborted?: undefined };

export function readinessDeadlineMs(readiness: ReadinessConfig): number {
  return readiness.mode === 'notify' ? readiness.timeoutMs : readiness.delayMs;
}

export async function waitForReady(
  readiness: ReadinessConfig,
  notify: Readable | Writable | null,
  exited: Promise<ExitInfo>,
  signal?: AbortSignal,
): Promise<ReadyOutcome> {
  const cleanup = new AbortController();
  const stop = cleanup.signal;
  const timer = (ms: number) => delay(ms, undefined, { signal: stop }).catch(() => undefined);
  const candidates: Promise<ReadyOutcome>[] = [
    exited.then((exit) => ({ ready: false as const, exit })),
    readiness.mode === 'settle'
      ? timer(readiness.delayMs).then(() => ({ ready: true as const }))
      : notifyLine(notify, stop).then(() => ({ ready: true as const })),
  ];
  if (readiness.mode === 'notify') candidates.push(timer(readiness.timeoutMs).then(() => ({ ready: false as const })));
  if (signal) candidates.push(aborted(signal, stop).then((reason) => ({ ready: false as const, aborted: reason })));
  try {
    return await Promise.race(candidates);
  } finally {
    cleanup.abort();
  }
}

/** Resolves on a `READY=1` line; never resolves otherwise (the race's other arms decide). */
function notifyLine(stream: Readable | Writable | null, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (!stream || !('on' in stream) || !('setEncoding' in stream)) return;
    let buffered = '';
    const onData = (chunk: string | Buffer) => {
      buffered += chunk.toString();
      if (buffered.split('\n').some((line) => line.trim() === 'READY=1')) {
        stream.off('data', onData);
        resolve();
      }
      if (buffered.length > 4096) buffered = buffered.slice(-64);
    };
    stream.on('data', onData);
    stop.addEventListener('abort', () => stream.off('data', onData), { once: true });
  });
}

function aborted(signal: AbortSignal, stop: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const fire = () => resolve(String(signal.reason ?? 'aborted'));
    if (signal.aborted) return fire();
    signal.addEventListener('abort', fire, { once: true, signal: stop });
  });
}
