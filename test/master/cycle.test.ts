// initCycle without processes or sockets: every OS effect is a fake that writes to one log, so
// each phase can be failed by table and the test asserts exactly what the `failed:` path undid
// (and that the old cycle was never touched).
import assert from 'node:assert/strict';
import { setImmediate } from 'node:timers';
import { describe, test } from 'node:test';
import type { FileSet } from '../../src/configset/fileset.ts';
import { HotcycleError, type Phase } from '../../src/errors.ts';
import { initCycle, type Cycle, type CycleEffects, type Workers } from '../../src/master/cycle.ts';
import type { GenerationSpec, GenerationStatus } from '../../src/master/generation.ts';
import type { Listener } from '../../src/master/listeners.ts';
import { PhaseClock } from '../../src/master/phases.ts';
import { GenerationRegistry } from '../../src/master/registry.ts';
import { silentLogger } from '../../src/log.ts';

type Failure = 'read' | 'snapshot' | 'open' | 'start' | 'ready' | 'abort';

function config(addresses: string[]): FileSet {
  const listeners = addresses.map((address, i) => `  - { name: l${i}, address: "${address}" }`).join('\n');
  return new Map([['hotcycle.yaml', Buffer.from(`listeners:\n${listeners}\nworkers:\n  command: [server]\n`)]]);
}

class FakeWorkers implements Workers {
  readonly number: number;
  readonly spec: GenerationSpec;
  readonly #log: string[];
  readonly #fail: Failure | null;

  constructor(spec: GenerationSpec, log: string[], fail: Failure | null) {
    this.number = spec.generation;
    this.spec = spec;
    this.#log = log;
    this.#fail = fail;
  }

  start(): void {
    this.#log.push(`start ${this.number} fds ${this.spec.listeners.map((l) => l.fd).join(',')}`);
    if (this.#fail === 'start') throw new HotcycleError('start', 'ESPAWN', 'spawn failed');
  }

  async waitReady(signal: AbortSignal): Promise<void> {
    if (this.#fail === 'ready') throw new HotcycleError('ready', 'EWORKEREXIT', 'a worker exited before ready');
    if (this.#fail === 'abort') {
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
      throw new HotcycleError('ready', 'EABORTED', 'aborted');
    }
  }

  makeCurrent(): void {
    this.#log.push(`current ${this.number}`);
  }

  async stop() {
    this.#log.push(`stop ${this.number}`);
    await new Promise((resolve) => setImmediate(resolve)); // draining takes a while
    return [];
  }

  async stoppedAccepting(): Promise<number[]> {
    return [];
  }

  async kill(): Promise<void> {
    this.#log.push(`kill ${this.number}`);
  }

  status(): GenerationStatus {
    return { generation: this.number, configHash: this.spec.configHash, state: 'current', since: '', restarts: 0, crashLoop: false, workers: [] };
  }
}

/** One master's worth of fake effects around a real registry. */
function harness() {
  const log: string[] = [];
  let files = config([]);
  let fail: Failure | null = null;
  let nextFd = 10;
  const effects: CycleEffects = {
    readVersion: async () => {
      if (fail === 'read') throw new HotcycleError('check', 'EFILESET', 'unreadable');
      return { files, hash: `hash-${generation}` };
    },
    writeSnapshot: async (dir) => {
      if (fail === 'snapshot') throw new HotcycleError('check', 'ESNAPSHOT', 'disk full');
      log.push(`snapshot ${dir}`);
      return dir;
    },
    removeSnapshot: async (dir) => void log.push(`remove ${dir}`),
    openListeners: (plan) => {
      if (fail === 'open') throw new HotcycleError('open', 'EADDRINUSE', 'taken');
      const result: Listener[] = [];
      for (const { index, listener } of plan.reuse) result[index] = listener;
      for (const { index, spec } of plan.open) {
        log.push(`open ${spec.key}`);
        result[index] = { name: spec.name, key: spec.key, address: spec.listen, fd: nextFd++ };
      }
      return result;
    },
    closeListeners: (listeners) => listeners.forEach((l) => log.push(`close ${l.key}`)),
    createWorkers: (spec) => new FakeWorkers(spec, log, fail),
    warn: () => {},
  };
  const registry = new GenerationRegistry({ removeSnapshot: effects.removeSnapshot, logger: silentLogger() });
  let generation = 0;
  return {
    log, registry,
    async cycle(addresses: string[], failure: Failure | null = null) {
      files = config(addresses);
      fail = failure;
      const abort = new AbortController();
      const clock = new PhaseClock();
      const ctx = { configDir: '/config', stateDir: '/state', baseEnv: {}, effects, registry, clock, signal: abort.signal };
      const running = initCycle(++generation, ctx);
      if (failure === 'abort') abort.abort('shutdown'); // the master's shutdown during the ready wait
      const outcome = await running.then((r): Cycle | HotcycleError => (r.ok ? r.cycle : r.error as HotcycleError));
      await registry.drained();
      return { outcome, phases: clock.records.map((r) => `${r.name}${r.ok ? '' : '!'}`) };
    },
  };
}

describe('initCycle: a failure in each phase undoes exactly what this cycle did', () => {
  // The old cycle listens on :1 and :2 (fds 10, 11); the new config keeps :2 and adds :3.
  const next = ['127.0.0.1:2', '127.0.0.1:3'];
  const cases: { fail: Failure | null; duplicate?: boolean; phase: Phase | null; phases: string; undone: string[] }[] = [
    { fail: 'read', phase: 'check', phases: 'check!', undone: [] },
    { fail: 'snapshot', phase: 'check', phases: 'check!', undone: [] },
    // The loader refuses two listeners on one socket, so the plan never sees them.
    { fail: null, duplicate: true, phase: 'check', phases: 'check!', undone: [] },
    { fail: 'open', phase: 'open', phases: 'check plan open!', undone: ['snapshot /state/generations/2', 'remove /state/generations/2'] },
    ...(['start', 'ready', 'abort'] as const).map((fail) => ({
      fail, phase: (fail === 'start' ? 'start' : 'ready') as Phase, phases: fail === 'start' ? 'check plan open start!' : 'check plan open start ready!',
      undone: [
        'snapshot /state/generations/2', 'open tcp:127.0.0.1:3', 'start 2 fds 11,12',
        // newest first: the new generation drains (its snapshot goes after), then only the
        // listener this cycle opened closes — never the reused fd 11, never the old cycle's.
        'stop 2', 'close tcp:127.0.0.1:3', 'remove /state/generations/2',
      ],
    })),
  ];
  for (const c of cases) {
    test(`${c.fail ?? 'one socket spelled twice'} fails in ${c.phase}`, async () => {
      const h = harness();
      const first = await h.cycle(['127.0.0.1:1', '127.0.0.1:2']);
      assert.ok(!(first.outcome instanceof Error));
      h.log.length = 0;
      const { outcome, phases } = await h.cycle(c.duplicate ? ['127.0.0.1:2', 'localhost:2'] : next, c.fail);
      assert.ok(outcome instanceof HotcycleError, 'the cycle fails');
      assert.equal(outcome.phase, c.phase);
      assert.equal(phases.join(' '), c.phases);
      assert.deepEqual(h.log, c.undone);
      assert.equal(h.registry.current, first.outcome, 'the old cycle is still current');
      assert.deepEqual(h.registry.all().map((g) => g.number), [1], 'nothing starting, nothing left draining');
    });
  }
});

test('initCycle: a commit keeps reused sockets, closes removed ones and retires the old generation', async () => {
  const h = harness();
  const first = await h.cycle(['127.0.0.1:1', '127.0.0.1:2']);
  h.log.length = 0;
  const { outcome, phases } = await h.cycle(['127.0.0.1:2', '127.0.0.1:3']);
  assert.ok(!(outcome instanceof Error));
  assert.equal(phases.join(' '), 'check plan open start ready commit');
  assert.deepEqual(h.log, [
    'snapshot /state/generations/2', 'open tcp:127.0.0.1:3', 'start 2 fds 11,12', 'current 2',
    'close tcp:127.0.0.1:1', 'stop 1', 'remove /state/generations/1',
  ]);
  assert.deepEqual(outcome.listeners.map((l) => l.fd), [11, 12]);
  assert.equal(h.registry.current, outcome);
  assert.notEqual(h.registry.current, first.outcome);
  assert.deepEqual(h.registry.all().map((g) => g.number), [2]);
});
