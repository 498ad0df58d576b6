// Properties of the nginx syntax checker over random and mutated config sets. Each export is
// one synchronous fc.assert, run in a worker under a deadline by test/fuzz/nginx.test.ts.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Diagnostic } from '../../src/diagnostic.ts';
import { checkNginx, type NginxCheckOptions, type NginxContext } from '../../src/checks/nginx/index.ts';
import { loadValidCorpus } from '../fixtures/nginx/corpus.ts';
import { tokenGaps } from './nginx-gaps.ts';
import { fuzzParameters, timed } from './params.ts';
import { applyEdits, edit } from './text-edits.ts';

type ConfigSet = ReadonlyMap<string, string>;

const CONTEXTS: readonly NginxContext[] = [
  'main', 'events', 'http', 'server', 'location', 'sif', 'lif', 'limit_except', 'upstream', 'stream', 'stream_server', 'stream_upstream',
];
const SPECIAL = ['{', '}', ';', '"', "'", '\\', '#', '$', '${', '\n', '\r\n', '\t', ' ', '(', ')', '{'.repeat(50), '}'.repeat(50)];
const corpus = loadValidCorpus();

/**
 * Every diagnostic names a file of the set and a place inside it (the end of file included);
 * a notice may name a whole file (line 0), and a main config the set lacks is named as such.
 */
export function assertLocated(found: readonly Diagnostic[], set: ConfigSet, opts: NginxCheckOptions = {}): void {
  assert.ok(Array.isArray(found));
  for (const d of found) {
    if (d.file === opts.main && !set.has(d.file)) {
      assert.deepEqual({ ...d, message: '' }, { file: opts.main, line: 0, column: 0, message: '', source: 'nginx' }, 'the missing main config');
      continue;
    }
    const text = set.get(d.file);
    if (d.severity === 'notice' && d.line === 0 && text !== undefined) continue;
    assert.ok(text !== undefined, `diagnostic for a file outside the set: ${JSON.stringify(d)}`);
    assert.equal(d.source, 'nginx');
    assert.ok(typeof d.message === 'string' && d.message.length > 0, 'a message');
    const lines = text.split('\n');
    assert.ok(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines.length + 1, `line in range: ${JSON.stringify(d)}`);
    const width = (lines[d.line - 1] ?? '').length;
    assert.ok(Number.isInteger(d.column) && d.column >= 1 && d.column <= width + 1, `column in range: ${JSON.stringify(d)}`);
  }
}

const options: fc.Arbitrary<NginxCheckOptions> = fc.record({
  main: fc.option(fc.constantFrom('nginx.conf', 'a.inc', 'conf.d/x.conf', 'missing.conf'), { nil: undefined }),
  files: fc.option(fc.array(fc.constantFrom('nginx.conf', 'a.inc', 'conf.d/x.conf', 'missing.conf', '*.conf')), { nil: undefined }),
  includeRoots: fc.option(fc.constantFrom([], ['/etc/nginx'], ['/etc/nginx/'], ['/']), { nil: undefined }),
  unknownDirectives: fc.option(fc.constantFrom('error' as const, 'ignore' as const), { nil: undefined }),
  context: fc.option(fc.constantFrom(...CONTEXTS), { nil: undefined }),
});

/** A corpus set with a few random edits in one of its files. */
const mutatedSet: fc.Arbitrary<ConfigSet> = fc
  .record({ which: fc.nat(), file: fc.nat(), edits: fc.array(edit(SPECIAL), { minLength: 1, maxLength: 6 }) })
  .map(({ which, file, edits }) => {
    const set = new Map(corpus[which % corpus.length]?.set);
    const name = [...set.keys()][file % set.size] ?? 'nginx.conf';
    set.set(name, applyEdits(set.get(name) ?? '', edits));
    return set;
  });

const WORDS = [
  'events', 'http', 'server', 'location', 'upstream', 'stream', 'map $a $b', 'types', 'geo $g', 'if ($a)', 'limit_except GET',
  'include a.inc', 'include *.inc', 'include conf.d/*.conf', 'include nginx.conf', 'include /etc/nginx/a.inc', 'include ../x',
  'listen 80', 'return 200', 'x', '/', '"q q"', "'q'", '$host', '${a}', 'default', ';', '{', '}', ' ', '\n', '#c\n', '\\', '"', "'",
];

/** Token soup over a few file names that include each other: cycles, globs, wrong contexts. */
const randomSet: fc.Arbitrary<ConfigSet> = fc
  .dictionary(
    fc.constantFrom('nginx.conf', 'a.inc', 'b.inc', 'conf.d/x.conf', 'conf.d/y.conf', '.hidden.inc'),
    fc.array(fc.constantFrom(...WORDS), { maxLength: 40 }).map((words) => words.join(' ')),
    { minKeys: 1, maxKeys: 6 },
  )
  .map((files) => new Map(Object.entries(files)));

export function mutatedCorpusIsLocated(): void {
  fc.assert(
    fc.property(mutatedSet, options, (set, opts) => assertLocated(timed('checkNginx', () => checkNginx(set, opts)), set, opts)),
    fuzzParameters(0x6e67_0001, 400),
  );
}

export function randomSetsAreLocated(): void {
  fc.assert(
    fc.property(randomSet, options, (set, opts) => assertLocated(timed('checkNginx', () => checkNginx(set, opts)), set, opts)),
    fuzzParameters(0x6e67_0002, 500),
  );
}

/** Same set, in any insertion order, twice: the same diagnostics. */
export function checkIsDeterministic(): void {
  fc.assert(
    fc.property(fc.oneof(mutatedSet, randomSet), options, (set, opts) => {
      const first = checkNginx(set, opts);
      assert.deepEqual(checkNginx(set, opts), first);
      assert.deepEqual(checkNginx(new Map([...set].reverse()), opts), first);
    }),
    fuzzParameters(0x6e67_0003, 150),
  );
}

const NESTINGS: Readonly<Record<string, (n: number) => string>> = {
  location: (n) => `events {} http { server { ${'location / { '.repeat(n)}${'}'.repeat(n)} } }\n`,
  unclosedUnknown: (n) => 'x { '.repeat(n),
  braces: (n) => '{'.repeat(n),
  closers: (n) => '}'.repeat(n),
  unclosedHttp: (n) => `events {} http { server { ${'location / { '.repeat(n)}`,
  map: (n) => `events {} http { map $a $b { ${'x { '.repeat(n)}${'}'.repeat(n)} } }\n`,
  ifs: (n) => `events {} http { server { location / { ${'if ($a) { '.repeat(n)}${'}'.repeat(n)} } } }\n`,
};

export function nestedText(shape: string, depth: number): string {
  return (NESTINGS[shape] ?? NESTINGS.braces)?.(depth) ?? '';
}

/** Up to 10 000 levels of blocks: an answer, never a stack overflow. */
export function deepNestingIsLocated(): void {
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(NESTINGS)), fc.noBias(fc.integer({ min: 1, max: 10_000 })), (shape, depth) => {
      const set = new Map([['nginx.conf', nestedText(shape, depth)]]);
      assertLocated(timed('checkNginx', () => checkNginx(set)), set);
    }),
    fuzzParameters(0x6e67_0004, 40),
  );
}

const CLEAN = corpus.filter((c) => checkNginx(c.set).length === 0);
const filler = fc.oneof(
  fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), minLength: 1, maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('a', ' ', '{', '}', ';', '"', "'", '\\', '$', '#', 'é', '😀'), maxLength: 40 }).map((s) => `#${s}\n`),
);

/** A clean config stays clean with comments and whitespace added between its tokens. */
export function cleanStaysCleanWithFiller(): void {
  assert.ok(CLEAN.length >= 5, 'most of the valid corpus checks clean');
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.array(fc.tuple(fc.nat(), filler), { minLength: 1, maxLength: 10 }), (which, file, inserts) => {
      const set = new Map(CLEAN[which % CLEAN.length]?.set);
      const name = [...set.keys()][file % set.size] ?? 'nginx.conf';
      const text = set.get(name) ?? '';
      const gaps = tokenGaps(text);
      const at = inserts.map(([gap, what]) => [gaps[gap % gaps.length] ?? 0, what] as const).sort((a, b) => b[0] - a[0]);
      set.set(name, at.reduce((t, [offset, what]) => t.slice(0, offset) + what + t.slice(offset), text));
      assert.deepEqual(checkNginx(set).map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`), []);
    }),
    fuzzParameters(0x6e67_0005, 300),
  );
}

/** The regressions the properties found, as plain examples. */
export function deepNestingExamples(): void {
  const deep = new Map([['nginx.conf', nestedText('location', 10_000)]]);
  assert.deepEqual(timed('10 000 nested locations', () => checkNginx(deep)), [], 'nginx -t accepts 10 000 nested locations');
  const unclosed = new Map([['nginx.conf', nestedText('unclosedUnknown', 10_000)]]);
  const found = timed('10 000 unclosed blocks', () => checkNginx(unclosed));
  assert.deepEqual(found.map((d) => d.message), ['unexpected end of file, expecting "}"']);
}

/** Includes that fan out: a check must cost the size of the set, not the number of include paths. */
export function includeGraphExamples(): void {
  // 40 files, each including the next twice: 2^40 include paths.
  const diamond = new Map([['nginx.conf', 'events {} http { include f0.inc; }\n']]);
  for (let i = 0; i < 40; i++) diamond.set(`f${i}.inc`, i < 39 ? `include f${i + 1}.inc; include f${i + 1}.inc;\n` : 'default_type text/plain;\n');
  assert.deepEqual(timed('a diamond of includes', () => checkNginx(diamond)), []);
  // 12 files, each including all of them: every permutation is a path, each one a cycle.
  const glob = new Map([['nginx.conf', 'events {} http { include *.inc; }\n']]);
  for (let i = 0; i < 12; i++) glob.set(`f${i}.inc`, 'include *.inc;\n');
  const found = timed('a glob that includes itself', () => checkNginx(glob));
  assert.ok(found.length > 0 && found.every((d) => d.message.startsWith('include cycle: ')), 'reported as include cycles');
  // A chain of includes deeper than nginx would open files for.
  const chain = new Map([['nginx.conf', 'events {} http { include f0.inc; }\n']]);
  for (let i = 0; i < 5_000; i++) chain.set(`f${i}.inc`, i < 4_999 ? `include f${i + 1}.inc;\n` : 'default_type text/plain;\n');
  assertLocated(timed('a chain of 5 000 includes', () => checkNginx(chain)), chain);
}
