// Real public nginx configurations (issue 25, item 6), judged both by `hotcycle check`'s gate and
// by the real `nginx -t`: nothing nginx accepts may be refused, and every syntax error nginx
// finds must be refused too, at the file and line nginx names. The corpus, its provenance and
// its stubs are in test/fixtures/nginx/real/ (README.md, NOTICE.md, each case.json).
//
// Both sides judge the same set: a file a case stubs in nginx's prefix (at a relative path, or
// under an include root, which maps to the prefix) is added to the set hotcycle checks as well,
// as the empty file nginx saw (the master runs `nginx -c <live>/<main>`: its prefix is the set). Cases that need a module Debian's nginx lacks
// (Lua, njs, NGINX Plus, stream) are judged by hotcycle alone, as their case.json says.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkFileSet } from '../../../src/checks/gate.ts';
import { errorsOf, formatDiagnostic, isNotice, type Diagnostic } from '../../../src/diagnostic.ts';
import { assertNginxInstalled } from '../../fixtures/nginx/nginx-t.ts';
import { loadRealCorpus, prepareForNginx, runNginx, type RealCase, type RealVerdict } from '../../fixtures/nginx/real/corpus.ts';

/** nginx messages about syntax and grammar: hotcycle must refuse each of these itself. */
const SYNTAX = [
  /^unexpected /, /^too long parameter/, /is not terminated by ";"$/, /has no opening "\{"$/, /directive is not allowed here$/,
  /^invalid number of arguments in /, /^invalid number of the (map|geo) parameters$/, /^invalid parameters number$/,
];

type Verdict = 'accepted by both' | 'rejected by both' | 'left to nginx -t' | 'hotcycle only';

interface Judged { real: RealCase; found: Diagnostic[]; nginx?: RealVerdict }

async function judgeByHotcycle(real: RealCase): Promise<Diagnostic[]> {
  const set = new Map([...real.set].map(([name, text]) => [name, Buffer.from(text)]));
  for (const stub of real.stubs?.files ?? []) {
    const name = inPrefix(stub, real.includeRoots ?? []);
    if (name !== undefined && !set.has(name)) set.set(name, Buffer.alloc(0));
  }
  const nginx = real.layout === 'main'
    ? { main: real.main ?? 'nginx.conf', includeRoots: real.includeRoots ?? [] }
    : { context: real.context ?? 'http', includeRoots: real.includeRoots ?? [] };
  return checkFileSet(set, { driver: 'nginx', nginx });
}

/** Where prepareForNginx puts a stub: set-relative, or undefined when outside the prefix. */
function inPrefix(stub: string, roots: readonly string[]): string | undefined {
  if (!stub.startsWith('/')) return stub;
  const root = roots.map((r) => r.replace(/\/$/, '')).find((r) => stub.startsWith(`${r}/`));
  return root === undefined ? undefined : stub.slice(root.length + 1);
}

function verdictOf({ found, nginx }: Judged): Verdict {
  if (!nginx) return 'hotcycle only';
  if (nginx.ok) return 'accepted by both';
  return errorsOf(found).length > 0 ? 'rejected by both' : 'left to nginx -t';
}

describe('real public nginx configurations: hotcycle check against nginx -t', () => {
  const corpus = loadRealCorpus();
  const judged: Judged[] = [];
  let tmp = '';
  before(async () => {
    assertNginxInstalled();
    tmp = mkdtempSync(join(tmpdir(), 'hotcycle-real-corpus-'));
    for (const [i, real] of corpus.entries()) {
      const dir = join(tmp, String(i));
      mkdirSync(dir);
      const nginx = real.needs?.length ? undefined : runNginx(prepareForNginx(real, dir));
      judged.push({ real, found: await judgeByHotcycle(real), ...(nginx ? { nginx } : {}) });
    }
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('the corpus: at least 60 files from at least 5 repositories, each with its commit and license', () => {
    const repos = new Set(corpus.map((c) => c.repo));
    const files = new Set(corpus.flatMap((c) => c.paths.map((p) => `${c.repo}/${p}`)));
    assert.ok(repos.size >= 5, `${repos.size} repositories`);
    assert.ok(files.size >= 60, `${files.size} files`);
    for (const c of corpus) assert.ok(/^[0-9a-f]{40}$/.test(c.commit) && c.license.length > 0, `${c.id}: commit and license`);
  });

  test('nginx -t still gives every case the verdict recorded with it', () => {
    for (const { real, nginx } of judged) {
      if (!nginx) continue;
      assert.equal(nginx.ok ? 'valid' : 'invalid', real.expect, `${real.id}: nginx -t ${nginx.message}`);
    }
  });

  test('nothing nginx accepts is refused', () => {
    const refused = judged.filter((j) => j.nginx?.ok && errorsOf(j.found).length > 0);
    assert.deepEqual(refused.map((j) => `${j.real.id}: ${errorsOf(j.found).map(formatDiagnostic).join(' | ')}`), []);
  });

  test('every syntax error nginx finds is refused, in the file and at the line nginx names', () => {
    const syntax = judged.filter((j) => j.nginx && !j.nginx.ok && SYNTAX.some((re) => re.test(j.nginx?.message ?? '')));
    assert.ok(syntax.length >= 3, `${syntax.length} syntax errors in the corpus`);
    for (const { real, found, nginx } of syntax) {
      const first = errorsOf(found)[0];
      assert.ok(first, `${real.id}: nginx says ${nginx?.message}, hotcycle accepts`);
      // nginx names a line in the prefix; for a conf.d case its files sit under conf.d/.
      const where = real.layout === 'confd' ? nginx?.where.replace(/^conf\.d\//, '') : nginx?.where;
      assert.equal(`${first.file}:${first.line}`, where, `${real.id}: ${formatDiagnostic(first)} vs nginx ${nginx?.message} in ${nginx?.where}`);
    }
  });

  test('cases nginx cannot judge here (modules it lacks) get the verdict their case records', () => {
    for (const { real, found } of judged.filter((j) => !j.nginx)) {
      const expected = real.hotcycleExpect ?? 'valid';
      assert.equal(errorsOf(found).length === 0 ? 'valid' : 'invalid', expected, `${real.id}: ${errorsOf(found).map(formatDiagnostic).join(' | ') || 'accepted'}`);
    }
  });

  test('the figures, for the README', (t) => {
    const counts = new Map<Verdict, number>();
    for (const j of judged) counts.set(verdictOf(j), (counts.get(verdictOf(j)) ?? 0) + 1);
    const notices = judged.reduce((n, j) => n + j.found.filter(isNotice).length, 0);
    t.diagnostic(`${judged.length} cases: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}; ${notices} notices`);
    assert.equal([...counts.values()].reduce((a, b) => a + b, 0), corpus.length);
  });
});
