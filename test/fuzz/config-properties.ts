// Properties of the hotcycle.yaml loader over random text, random JSON values written as YAML
// and JSON, and mutations of valid configs. Each export is one synchronous fc.assert, run in a
// worker under a deadline by test/fuzz/config.test.ts.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { Diagnostic } from '../../src/diagnostic.ts';
import { ConfigError } from '../../src/config/error.ts';
import { checkHotcycleConfig, MAX_CONFIG_CHARS, parseHotcycleConfig } from '../../src/config/load.ts';
import { SHUTDOWN_SIGNALS, type HotcycleConfig } from '../../src/config/types.ts';
import { fuzzParameters, timed } from './params.ts';
import { applyEdits, edit } from './text-edits.ts';

const SPECIAL = [':', ': ', '- ', '[', ']', '{', '}', ',', '#', '&a ', '*a', '!!str ', '!x ', '|', '>', "'", '"', '\\', '\n', '\n  ', '\t', '<<: *a', '---\n', '...\n', '%YAML 1.2\n', '? ', '@', '`', '\r\n'];

/** Located inside the text (line/column 1-based, the end of text included), or 0:0 for the whole file. */
export function assertLocated(found: readonly Diagnostic[], text: string, file: string): void {
  const lines = text.split('\n');
  for (const d of found) {
    assert.equal(d.file, file);
    assert.equal(d.source, 'hotcycle');
    assert.ok(typeof d.message === 'string' && d.message.length > 0, 'a message');
    if (d.line === 0) {
      assert.equal(d.column, 0, `whole-file diagnostic: ${JSON.stringify(d)}`);
      continue;
    }
    assert.ok(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines.length + 1, `line in range: ${JSON.stringify(d)}`);
    const width = (lines[d.line - 1] ?? '').length;
    assert.ok(Number.isInteger(d.column) && d.column >= 1 && d.column <= width + 1, `column in range: ${JSON.stringify(d)}`);
  }
}

function assertDeeplyFrozen(value: unknown, path = 'config'): void {
  if (value === null || typeof value !== 'object') return;
  assert.ok(Object.isFrozen(value), `${path} is frozen`);
  for (const [key, child] of Object.entries(value)) assertDeeplyFrozen(child, `${path}.${key}`);
}

/** What every accepted config guarantees its readers. */
export function assertNormalised(config: HotcycleConfig): void {
  assertDeeplyFrozen(config);
  const { workers, listeners, checks } = config;
  assert.ok(Number.isInteger(workers.count) && workers.count >= 1 && workers.count <= 1024, 'count in 1..1024');
  assert.ok(workers.command.length >= 1 && workers.command.every((a) => typeof a === 'string' && a.length > 0), 'a command');
  assert.ok(typeof workers.cwd === 'string' && workers.cwd.length > 0, 'a cwd');
  assert.ok(Object.entries(workers.env).every(([k, v]) => !k.includes('=') && typeof v === 'string'), 'env of strings');
  const readinessMs = workers.readiness.mode === 'notify' ? workers.readiness.timeoutMs : workers.readiness.delayMs;
  for (const ms of [readinessMs, workers.shutdown.timeoutMs, workers.restart.backoffMs, workers.restart.maxBackoffMs]) {
    assert.ok(Number.isInteger(ms) && ms >= 1, `a positive duration, got ${ms}`);
  }
  assert.ok(workers.restart.maxBackoffMs >= workers.restart.backoffMs, 'backoff ceiling not below its start');
  assert.ok(SHUTDOWN_SIGNALS.includes(workers.shutdown.signal));
  assert.equal(new Set(listeners.map((l) => l.name)).size, listeners.length, 'unique listener names');
  assert.equal(new Set(listeners.map((l) => l.address)).size, listeners.length, 'unique listener addresses');
  assert.ok(Array.isArray(checks.schemas) && (checks.nginx === undefined || Array.isArray(checks.nginx.files)) && Array.isArray(checks.commands));
}

/** check and parse agree: accepted ⇔ no diagnostics; rejected ⇔ a ConfigError with the same diagnostics. */
export function assertLoaderContract(text: string, file: string): void {
  const found = timed('checkHotcycleConfig', () => checkHotcycleConfig(text, file));
  assertLocated(found, text, file);
  let config: HotcycleConfig | undefined;
  try {
    config = timed('parseHotcycleConfig', () => parseHotcycleConfig(text, file));
  } catch (error) {
    assert.ok(error instanceof ConfigError, `parse throws only ConfigError, got ${String(error)}`);
    assert.ok(found.length > 0, 'a rejected config has diagnostics');
    assert.deepEqual(error.diagnostics, found);
    return;
  }
  assert.deepEqual(found, [], 'an accepted config has no diagnostics');
  assertNormalised(config);
}

const duration = fc.integer({ min: 1, max: 3_600_000 });
const word = fc.string({ minLength: 1, maxLength: 12 });

/** Raw configs the schema admits (backoff order and unique listeners included). */
export const validRaw = fc.record(
  {
    listeners: fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/), address: fc.integer({ min: 1, max: 65535 }).map((p) => `127.0.0.1:${p}`) }), {
      maxLength: 4, selector: (l) => l.name,
    }).filter((ls) => new Set(ls.map((l) => l.address)).size === ls.length),
    workers: fc.record(
      {
        count: fc.integer({ min: 1, max: 1024 }),
        command: fc.array(word, { minLength: 1, maxLength: 4 }),
        cwd: word,
        env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/), fc.string({ maxLength: 20 }), { maxKeys: 4 }),
        readiness: fc.oneof(fc.record({ mode: fc.constant('notify'), timeoutMs: duration }, { requiredKeys: ['mode'] }), fc.record({ mode: fc.constant('settle'), delayMs: duration }, { requiredKeys: ['mode'] })),
        shutdown: fc.record({ signal: fc.constantFrom(...SHUTDOWN_SIGNALS), timeoutMs: duration }, { requiredKeys: [] }),
        restart: fc.tuple(duration, duration).map(([a, b]) => ({ backoffMs: Math.min(a, b), maxBackoffMs: Math.max(a, b) })),
      },
      { requiredKeys: ['command'] },
    ),
    checks: fc.record({ nginx: fc.record({ files: fc.oneof(word, fc.array(word, { minLength: 1, maxLength: 3 })) }) }, { requiredKeys: [] }),
  },
  { requiredKeys: ['workers'] },
);

const serialised = (value: unknown) => fc.constantFrom(
  { text: stringify(value), file: 'hotcycle.yaml' },
  { text: JSON.stringify(value, null, 2), file: 'hotcycle.json' },
  { text: JSON.stringify(value), file: 'hotcycle.yaml' },
);

export function validConfigsAreAccepted(): void {
  fc.assert(
    fc.property(validRaw.chain((raw) => serialised(raw).map((s) => ({ raw, ...s }))), ({ raw, text, file }) => {
      assertLoaderContract(text, file);
      const config = parseHotcycleConfig(text, file);
      assert.equal(config.workers.count, raw.workers.count ?? 1);
      assert.deepEqual(config.workers.command, raw.workers.command);
      assert.deepEqual(config.listeners.map(({ name, address, key }) => ({ name, address, key })),
        (raw.listeners ?? []).map(({ name, address }) => ({ name, address, key: `tcp:${address}` })));
    }),
    fuzzParameters(0x79_0001, 300),
  );
}

export function mutatedConfigsKeepTheContract(): void {
  const mutated = fc.tuple(validRaw.chain(serialised), fc.array(edit(SPECIAL), { minLength: 1, maxLength: 6 }))
    .map(([{ text, file }, edits]) => ({ text: applyEdits(text, edits), file }));
  fc.assert(fc.property(mutated, ({ text, file }) => assertLoaderContract(text, file)), fuzzParameters(0x79_0002, 400));
}

export function randomJsonValuesKeepTheContract(): void {
  const values = fc.jsonValue({ maxDepth: 6 }).chain((value) => serialised(value));
  fc.assert(fc.property(values, ({ text, file }) => assertLoaderContract(text, file)), fuzzParameters(0x79_0003, 400));
}

export function randomTextKeepsTheContract(): void {
  const text = fc.oneof(
    fc.array(fc.constantFrom(...SPECIAL, 'workers', 'command', 'listeners', 'a', '1', ' ', '  '), { maxLength: 60 }).map((t) => t.join('')),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );
  fc.assert(
    fc.property(text, fc.constantFrom('hotcycle.yaml', 'hotcycle.yml', 'hotcycle.json'), (t, file) => assertLoaderContract(t, file)),
    fuzzParameters(0x79_0004, 400),
  );
}

/** `levels` anchors, each a list of `width` aliases of the one before: width^levels values once expanded. */
export function aliasBomb(levels: number, width: number, where: 'top' | 'env' | 'merge'): string {
  const lines = ['a0: &a0 ["lol"]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: width }, () => `*a${i - 1}`).join(', ')}]`);
  const last = `*a${levels}`;
  if (where === 'env') return `x-anchors:\n${lines.map((l) => `  ${l}`).join('\n')}\nworkers:\n  command: [node]\n  env: { BOMB: ${last} }\n`;
  if (where === 'merge') return `${lines.join('\n')}\nm: &m { <<: ${last} }\nworkers: { <<: *m, command: [node] }\n`;
  return `${lines.join('\n')}\nworkers:\n  command: ${last}\n`;
}

/** Alias bombs of every shape are rejected or bounded, and located. */
export function aliasBombsAreBounded(): void {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom('top' as const, 'env' as const, 'merge' as const), (levels, width, where) => {
      assertLoaderContract(aliasBomb(levels, width, where), 'hotcycle.yaml');
    }),
    fuzzParameters(0x79_0005, 150),
  );
}

/** The classic "billion laughs" (9^9 strings); files over the size limit; 20 000 nested lists. */
export function resourceExhaustionExamples(): void {
  const laughs = aliasBomb(9, 9, 'top');
  const found = timed('billion laughs', () => checkHotcycleConfig(laughs));
  assert.ok(found.some((d) => /resource exhaustion/.test(d.message)), JSON.stringify(found));
  assert.throws(() => parseHotcycleConfig(laughs), ConfigError);
  // Env entries of the wrong type: ~1 MiB (a ConfigMap's limit) is refused by size; just under
  // the limit, every entry gets its diagnostic in bounded time.
  const env = (n: number) => `workers:\n  command: [node]\n  env:\n${Array.from({ length: n }, (_, i) => `    K${i}: ${i}`).join('\n')}\n`;
  const huge = env(60_000);
  assert.deepEqual(timed('a 1 MiB file', () => checkHotcycleConfig(huge)).map((d) => d.message), [
    `the file is too large: ${huge.length} characters, at most ${MAX_CONFIG_CHARS}`,
  ]);
  const largest = env(Math.floor(MAX_CONFIG_CHARS / 17));
  assert.ok(largest.length <= MAX_CONFIG_CHARS);
  assertLoaderContract(largest, 'hotcycle.yaml');
  const deep = `workers:\n  command: [node]\n  env: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
  assertLoaderContract(deep, 'hotcycle.yaml');
  assert.deepEqual(checkHotcycleConfig(deep).map((d) => `${d.line}:${d.column} ${d.message}`), ['0:0 YAML syntax error: nested too deeply to read']);
}

/** Found by mutatedConfigsKeepTheContract: a multi-line scalar the parser cannot place shifted every later position. */
export function positionExamples(): void {
  const text = 'listeners:\n]  - name: Q\n    address: 1\nworkers: 1\n';
  const found = checkHotcycleConfig(text).map((d) => `${d.line}:${d.column} ${d.message}`);
  assert.ok(found.includes('3:12 YAML syntax error: Unexpected map-value-ind token in YAML stream: ":"'), found.join('\n'));
  assertLocated(checkHotcycleConfig(text), text, 'hotcycle.yaml');
}
