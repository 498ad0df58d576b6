// Waiting on nginx by observation: /proc and the error log have no "changed" event that
// covers both, so a step is polled until it yields, with three ways out that each get their
// own error — the deadline, the master's shutdown (abort), and nginx itself exiting.
import { setTimeout as delay } from 'node:timers/promises';
import { HotcycleError, type Phase } from '../../../errors.ts';
import { SHUTTING_DOWN } from '../../../protocol/types.ts';
import { describeExit, type ExitInfo } from '../../../process/exit.ts';

export interface WaitOptions {
  phase: Phase;
  deadline: number;
  pollMs: number;
  signal: AbortSignal;
  exited: Promise<ExitInfo>;
  /** Output to quote when nginx exits meanwhile. */
  tail: () => string;
  timeoutError: () => HotcycleError;
}

export async function pollUntil<T>(step: () => Promise<T | null>, options: WaitOptions): Promise<T> {
  let exit: ExitInfo | null = null;
  void options.exited.then((info) => { exit = info; });
  for (;;) {
    const value = await step();
    if (value !== null) return value;
    if (exit) {
      throw new HotcycleError(options.phase, 'ENGINXEXITED', `nginx ${describeExit(exit)}`, { detail: options.tail() });
    }
    if (options.signal.aborted) throw new HotcycleError(options.phase, SHUTTING_DOWN, 'the master is shutting down; stopped waiting for nginx');
    if (Date.now() >= options.deadline) throw options.timeoutError();
    await delay(options.pollMs);
  }
}
