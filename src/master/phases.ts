// Times each phase of a cycle and tells a listener as each one ends, so a reload's
// result lists `phases: [{name, ms}]` and NDJSON clients see them as they happen.
import type { Phase } from '../errors.ts';
import type { PhaseRecord } from '../protocol/types.ts';

export type PhaseListener = (record: PhaseRecord) => void;

export class PhaseClock {
  readonly #records: PhaseRecord[] = [];
  readonly #listeners: PhaseListener[];

  constructor(...listeners: PhaseListener[]) {
    this.#listeners = listeners;
  }

  async run<T>(name: Phase, step: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    let ok = false;
    try {
      const value = await step();
      ok = true;
      return value;
    } finally {
      const record = { name, ms: round(performance.now() - started), ok };
      this.#records.push(record);
      for (const listener of this.#listeners) listener(record);
    }
  }

  get records(): readonly PhaseRecord[] {
    return this.#records;
  }
}

export function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
