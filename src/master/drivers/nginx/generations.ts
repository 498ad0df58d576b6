// hotcycle's generations of nginx workers. nginx numbers nothing, so hotcycle does:
// generation N is the set of workers that reload N started (1 = nginx's start). A worker
// nginx respawns within a cycle (one crashed) joins the current generation. Pure
// bookkeeping over /proc snapshots; the clock is passed in.
import type { GenerationInfo, WorkerInfo } from '../../../protocol/types.ts';
import type { NginxChild } from './procs.ts';

interface Tracked {
  pid: number;
  startTicks: number;
  generation: number;
  since: Date;
  shuttingDown: boolean;
}

interface GenerationRecord {
  configHash: string;
  since: Date;
  /** When it stopped being current: its workers were told to quit then. */
  drainingSince?: Date;
  restarts: number;
}

export interface DrainingInfo {
  generation: number;
  since: string;
  drainingMs: number;
  workers: number[];
}

export class WorkerBook {
  readonly #workers = new Map<string, Tracked>();
  readonly #generations = new Map<number, GenerationRecord>();
  #current = 0;

  get current(): number {
    return this.#current;
  }

  /**
   * Updates from a /proc snapshot: gone workers leave, states refresh. An unknown worker joins
   * the current generation only when `adopt` (outside a reload, where it can only be a respawn).
   */
  observe(children: readonly NginxChild[], now: Date, adopt: boolean): void {
    const seen = new Set<string>();
    for (const child of children) {
      if (child.role === 'helper' || child.role === 'starting') continue;
      const key = keyOf(child);
      seen.add(key);
      const known = this.#workers.get(key);
      if (known) known.shuttingDown = child.role === 'shutting-down';
      else if (adopt && this.#current > 0) this.#adopt(child, now);
    }
    for (const key of this.#workers.keys()) if (!seen.has(key)) this.#workers.delete(key);
    for (const [number] of this.#generations) {
      if (number !== this.#current && !this.#pidsOf(number).length) this.#generations.delete(number);
    }
  }

  /** Reload N committed: `workers` are generation N; the previous one drains from `now`. */
  commit(generation: number, configHash: string, workers: readonly NginxChild[], now: Date): void {
    const previous = this.#generations.get(this.#current);
    if (previous) previous.drainingSince = now;
    this.#generations.set(generation, { configHash, since: now, restarts: 0 });
    this.#current = generation;
    for (const child of workers) {
      this.#workers.set(keyOf(child), { pid: child.pid, startTicks: child.startTicks, generation, since: now, shuttingDown: false });
    }
  }

  /** Whether `child` is a worker hotcycle already knows (of any generation). */
  knows(child: NginxChild): boolean {
    return this.#workers.has(keyOf(child));
  }

  draining(now: Date): DrainingInfo[] {
    const out: DrainingInfo[] = [];
    for (const [generation, record] of this.#generations) {
      if (generation === this.#current || !record.drainingSince) continue;
      const since = record.drainingSince;
      out.push({ generation, since: since.toISOString(), drainingMs: now.getTime() - since.getTime(), workers: this.#pidsOf(generation) });
    }
    return out.sort((a, b) => a.generation - b.generation);
  }

  status(): GenerationInfo[] {
    return [...this.#generations].sort(([a], [b]) => b - a).map(([generation, record]) => ({
      generation,
      configHash: record.configHash,
      state: generation === this.#current ? 'current' : 'draining',
      since: (record.drainingSince ?? record.since).toISOString(),
      restarts: record.restarts,
      crashLoop: false,
      workers: this.#workersOf(generation),
    }));
  }

  #adopt(child: NginxChild, now: Date): void {
    const record = this.#generations.get(this.#current);
    if (record) record.restarts++;
    this.#workers.set(keyOf(child), {
      pid: child.pid, startTicks: child.startTicks, generation: this.#current, since: now, shuttingDown: child.role === 'shutting-down',
    });
  }

  #pidsOf(generation: number): number[] {
    return [...this.#workers.values()].filter((w) => w.generation === generation).map((w) => w.pid);
  }

  #workersOf(generation: number): WorkerInfo[] {
    return [...this.#workers.values()].filter((w) => w.generation === generation).map((w, slot) => ({
      pid: w.pid, generation, slot, state: w.shuttingDown ? 'shutting-down' : 'running', since: w.since.toISOString(),
    }));
  }
}

function keyOf(child: { pid: number; startTicks: number }): string {
  return `${child.pid}@${child.startTicks}`;
}
