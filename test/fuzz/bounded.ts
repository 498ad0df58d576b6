// Runs a synchronous property in a worker thread under a deadline, so that a hang fails the
// test instead of blocking the runner: a busy loop on the main thread would stop every timer,
// the test timeout's included; `worker.terminate()` interrupts the worker wherever it spins.
//
// The module at `moduleUrl` exports the property as a function of no arguments that throws on
// failure (fast-check's `fc.assert`, whose message carries the seed and the counterexample).

import { Worker } from 'node:worker_threads';

export async function runBounded(moduleUrl: URL, exportName: string, timeoutMs: number): Promise<void> {
  const worker = new Worker(new URL('./bounded-worker.ts', import.meta.url), { workerData: { module: moduleUrl.href, exportName } });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${exportName} did not finish within ${timeoutMs} ms: a hang`)), timeoutMs);
  });
  const finished = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${exportName}: worker exited with code ${code}`))));
  });
  try {
    await Promise.race([finished, deadline]);
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}
