// Issue 19, item 4: docs/architecture.md names only files that exist. Every repository path the
// page names — in code spans, in prose, in its diagrams — and every Markdown link to a local file
// must resolve in this checkout, so a rename or a removal that leaves the page behind fails here.
// A path is a token starting with one of the repository's top-level folders (`src/…`, `test/…`,
// …) or a top-level file of it; `*` is a glob that must match something. Write placeholders
// (a driver's folder name, a Secret's name) outside such tokens.
import assert from 'node:assert/strict';
import { existsSync, globSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const PAGE = 'docs/architecture.md';
const FOLDERS = ['src', 'test', 'charts', 'deploy', 'scripts', 'docs', 'examples', 'native'];
const TOP_FILES = ['README.md', 'package.json', 'package-lock.json', 'binding.gyp', 'eslint.config.js', 'tsconfig.json'];
const MIN_PATHS = 25;

/** Repository paths named anywhere in `text` (not after `/` or a word character: `/etc/…`, URLs). */
function namedPaths(text: string): string[] {
  const folder = new RegExp(String.raw`(?<![\w./-])(?:${FOLDERS.join('|')})/[\w.*/-]*`, 'g');
  const top = new RegExp(String.raw`(?<![\w./-])(?:${TOP_FILES.map((f) => f.replace('.', String.raw`\.`)).join('|')})(?![\w-])`, 'g');
  const found = [...text.matchAll(folder), ...text.matchAll(top)].map((m) => m[0].replace(/\.+$/, ''));
  return [...new Set(found)].sort();
}

/** Targets of Markdown links that point into the repository (no scheme, no bare anchor), anchor dropped. */
function localLinks(text: string): string[] {
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
  return [...new Set(targets.filter((t) => !/^[a-z][a-z+.-]*:/i.test(t) && !t.startsWith('#')).map((t) => t.replace(/#.*$/, '')))];
}

function exists(path: string): boolean {
  return path.includes('*') ? globSync(path, { cwd: ROOT }).length > 0 : existsSync(join(ROOT, path));
}

describe('docs/architecture.md', () => {
  const text = readFileSync(join(ROOT, PAGE), 'utf8');

  test('the extractors find what a page names, and only that', () => {
    const sample = [
      'See `src/master/cycle.ts` and test/cluster/kubelet-pod.test.ts. The socket /run/hotcycle/master.sock,',
      'https://github.com/x/y/src/z.ts, `charts/hotcycle/ci/*-values.yaml`, README.md and',
      '[kubelet](kubelet.md#top), [site](https://example.com), [up](#roles).',
    ].join('\n');
    assert.deepEqual(namedPaths(sample), ['README.md', 'charts/hotcycle/ci/*-values.yaml', 'src/master/cycle.ts', 'test/cluster/kubelet-pod.test.ts']);
    assert.deepEqual(localLinks(sample), ['kubelet.md']);
  });

  test(`names at least ${MIN_PATHS} repository paths`, () => {
    const paths = namedPaths(text);
    assert.ok(paths.length >= MIN_PATHS, `only ${paths.length} paths named: ${paths.join(', ')}`);
  });

  test('every path it names exists', () => {
    const missing = namedPaths(text).filter((path) => !exists(path));
    assert.deepEqual(missing, [], `named in ${PAGE} but not in the repository`);
  });

  test('every local link resolves', () => {
    const missing = localLinks(text).filter((target) => !exists(relative(ROOT, join(ROOT, dirname(PAGE), target))));
    assert.deepEqual(missing, [], `linked from ${PAGE} but not in the repository`);
  });

  test('draws the whole in Mermaid', () => {
    assert.match(text, /^```mermaid\n(?:flowchart|graph) /m);
  });

  test('the README links it before its first section', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const link = readme.indexOf('](docs/architecture.md)');
    assert.ok(link >= 0, 'README.md does not link docs/architecture.md');
    assert.ok(link < readme.indexOf('\n## '), 'the link to docs/architecture.md should come before the first "## " section');
  });
});
