// The checker against the real `nginx -t` (issue 4, acceptance 5): the valid corpus must pass
// both, and every generated broken variant must get the same accept/reject verdict — except
// where nginx rejects for a semantic reason the checker does not judge (unknown variable or
// directive, a value nginx cannot parse, a duplicate), which the master's `nginx -t` catches.
// A rejection by the checker of something nginx accepts is never allowed.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsOf, formatDiagnostic, type Diagnostic } from '../../../src/diagnostic.ts';
import { checkNginx } from '../../../src/checks/nginx/index.ts';
import { loadValidCorpus } from '../../fixtures/nginx/corpus.ts';
import { mutate, MUTATION_KINDS, type Mutant } from '../../fixtures/nginx/mutations.ts';
import { NginxRunner, type NginxVerdict } from '../../fixtures/nginx/nginx-t.ts';

const SEED = 20260422;
const PER_KIND = 5;

/** nginx messages about the file's syntax and grammar: the checker must reject all of these. */
const SYNTAX = [
  /^unexpected /, /^too long parameter/, /is not terminated by ";"$/, /has no opening "\{"$/, /directive is not allowed here$/,
  /^invalid number of arguments in /, /^invalid number of the (map|geo) parameters$/, /^invalid parameters number$/,
];
const isSyntax = (message: string): boolean => SYNTAX.some((re) => re.test(message));

type Outcome = 'agree' | 'semantic-only' | 'missed-syntax' | 'false-reject';

interface Row { cases: number; agree: number; semantic: number; missed: number; falseReject: number; sameMessage: number }

function outcome(found: readonly Diagnostic[], nginx: NginxVerdict): Outcome {
  if (found.length > 0) return nginx.ok ? 'false-reject' : 'agree';
  if (nginx.ok) return 'agree';
  return isSyntax(nginx.message) ? 'missed-syntax' : 'semantic-only';
}

function table(rows: ReadonlyMap<string, Row>): string[] {
  const pct = (n: number, d: number): string => `${d === 0 ? '-' : ((100 * n) / d).toFixed(1)}%`;
  const lines = ['kind                  cases  agree  checker-ok/nginx-semantic  checker-ok/nginx-syntax  checker-rejects/nginx-ok  first-message-equal'];
  for (const [kind, r] of rows) {
    lines.push(`${kind.padEnd(21)} ${String(r.cases).padStart(5)}  ${pct(r.agree, r.cases).padStart(6)}  ${String(r.semantic).padStart(25)}  ${String(r.missed).padStart(23)}  ${String(r.falseReject).padStart(24)}  ${pct(r.sameMessage, r.cases).padStart(19)}`);
  }
  return lines;
}

function describeCase(m: Mutant, found: readonly Diagnostic[], nginx: NginxVerdict): string {
  return `${m.kind} in ${m.file}: nginx ${nginx.ok ? 'ok' : `"${nginx.message}" ${nginx.where}`}; checker ${found.map(formatDiagnostic).join(' | ') || 'ok'}`;
}

describe('nginx checker agreement with nginx -t', () => {
  const runner = new NginxRunner();
  const corpus = loadValidCorpus();
  before(() => runner.open());
  after(() => runner.close());

  test('the valid corpus passes nginx -t and the checker, every directive known to the table', async () => {
    assert.ok(corpus.length >= 10, `at least 10 valid configs, found ${corpus.length}`);
    const verdicts = await runner.testMany(corpus.map((c) => c.set));
    corpus.forEach((c, i) => {
      assert.deepEqual(verdicts[i], { ok: true, message: '', where: '' }, `${c.name}: nginx -t must accept it`);
      // Notices (an include left to nginx -t) refuse nothing; no finding may be an error.
      assert.deepEqual(errorsOf(checkNginx(c.set, { unknownDirectives: 'error' })).map(formatDiagnostic), [], `${c.name}: checker`);
    });
  });

  test('mutations: same verdict as nginx -t on every syntax error, no false rejection', async (t) => {
    const mutants = corpus.flatMap((c, i) => mutate(c.set, SEED + i, PER_KIND));
    const started = performance.now();
    const verdicts = await runner.testMany(mutants.map((m) => m.set));
    const nginxMs = performance.now() - started;
    const rows = new Map<string, Row>(MUTATION_KINDS.map((k) => [k, { cases: 0, agree: 0, semantic: 0, missed: 0, falseReject: 0, sameMessage: 0 }]));
    const total: Row = { cases: 0, agree: 0, semantic: 0, missed: 0, falseReject: 0, sameMessage: 0 };
    const failures: string[] = [];
    const semantic = new Map<string, number>();
    mutants.forEach((m, i) => {
      const nginx = verdicts[i] ?? { ok: false, message: 'no verdict', where: '' };
      const found = errorsOf(checkNginx(m.set));
      const result = outcome(found, nginx);
      for (const r of [rows.get(m.kind), total]) {
        if (!r) continue;
        r.cases++;
        r.agree += result === 'agree' ? 1 : 0;
        r.semantic += result === 'semantic-only' ? 1 : 0;
        r.missed += result === 'missed-syntax' ? 1 : 0;
        r.falseReject += result === 'false-reject' ? 1 : 0;
        r.sameMessage += (found[0]?.message ?? '') === nginx.message ? 1 : 0;
      }
      if (result === 'semantic-only') semantic.set(nginx.message.replace(/"[^"]*"/g, '"…"'), (semantic.get(nginx.message.replace(/"[^"]*"/g, '"…"')) ?? 0) + 1);
      if (result === 'missed-syntax' || result === 'false-reject') failures.push(describeCase(m, found, nginx));
    });
    rows.set('TOTAL', total);
    for (const line of table(rows)) t.diagnostic(line);
    const syntaxCases = total.cases - total.semantic;
    t.diagnostic(`agreement: ${total.agree}/${total.cases} overall, ${total.agree}/${syntaxCases} where nginx's verdict is syntactic; nginx -t batch ${nginxMs.toFixed(0)} ms`);
    for (const [message, n] of semantic) t.diagnostic(`left to nginx -t (semantic): ${n} × ${message}`);
    assert.ok(total.cases >= 300, `hundreds of mutants, got ${total.cases}`);
    assert.deepEqual(failures, []);
  });
});
