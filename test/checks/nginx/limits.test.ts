// nginx's "too long parameter" rule, judged against the real `nginx -t` (issue 25, item 4): the
// count is in bytes of UTF-8, and it restarts at every character read between words, so
// whitespace of any length is fine while a 4096-byte word, quoted string or comment line is not.
// Each case is built around the limit and must get nginx's verdict, both ways.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../../src/diagnostic.ts';
import { checkNginx } from '../../../src/checks/nginx/index.ts';
import { NginxRunner } from '../../fixtures/nginx/nginx-t.ts';

const wrap = (directive: string): string => `events {}\nhttp {\n  server {\n    listen 127.0.0.1:8080;\n    ${directive}\n  }\n}\n`;

interface Case { name: string; text: string; valid?: boolean }

/** The cases the issue names, with nginx's verdict as the issue measured it. */
const NAMED: Case[] = [
  { name: '4100 blank lines inside a directive', text: wrap(`add_header X-A${'\n'.repeat(4100)}"v";`), valid: true },
  { name: 'a 4090-byte quoted value, a newline and indentation', text: wrap(`add_header X-A "${'v'.repeat(4090)}"\n          always;`), valid: true },
  { name: 'a 4200-byte quoted value of Cyrillic text', text: wrap(`add_header X-A "${'я'.repeat(2100)}";`), valid: false },
];

/** Around the limit: words, quoted strings and comment lines of 4090–4100 bytes, ASCII and not. */
function boundaryCases(): Case[] {
  const cases: Case[] = [];
  for (let bytes = 4090; bytes <= 4100; bytes++) {
    cases.push({ name: `bare word of ${bytes} bytes`, text: wrap(`return 200 ${'w'.repeat(bytes - 1)}x;`) });
    cases.push({ name: `quoted value of ${bytes} bytes`, text: wrap(`return 200 "${'q'.repeat(bytes)}";`) });
    cases.push({ name: `comment line of ${bytes} bytes`, text: wrap(`#${'c'.repeat(bytes - 1)}\n    return 204;`) });
    // 3-byte characters: the limit falls inside one of them for two of every three lengths.
    cases.push({ name: `quoted value of ${bytes} bytes as 3-byte characters`, text: wrap(`return 200 "${'€'.repeat(Math.floor(bytes / 3))}${'e'.repeat(bytes % 3)}";`) });
    cases.push({ name: `${bytes} spaces between two words`, text: wrap(`return${' '.repeat(bytes)}204;`) });
  }
  return cases;
}

describe('token limits as nginx counts them', () => {
  const runner = new NginxRunner();
  before(() => runner.open());
  after(() => runner.close());

  test('the issue\'s cases: same verdict as nginx -t, and as the issue measured', async () => {
    const verdicts = await runner.testMany(NAMED.map((c) => new Map([['nginx.conf', c.text]])));
    NAMED.forEach((c, i) => {
      assert.equal(verdicts[i]?.ok, c.valid, `${c.name}: nginx -t ${JSON.stringify(verdicts[i])}`);
      const found = checkNginx(new Map([['nginx.conf', c.text]])).map(formatDiagnostic);
      assert.equal(found.length === 0, c.valid, `${c.name}: hotcycle ${found.join(' | ') || 'ok'}`);
    });
  });

  test('around 4096 bytes: every word, string, comment and run of spaces judged as nginx -t judges it', async () => {
    const cases = boundaryCases();
    const verdicts = await runner.testMany(cases.map((c) => new Map([['nginx.conf', c.text]])));
    const disagreements = cases.flatMap((c, i) => {
      const nginx = verdicts[i];
      const found = checkNginx(new Map([['nginx.conf', c.text]]));
      if (!nginx || found.length === 0 === nginx.ok) return [];
      return [`${c.name}: nginx ${nginx.ok ? 'ok' : nginx.message}; hotcycle ${found.map(formatDiagnostic).join(' | ') || 'ok'}`];
    });
    assert.deepEqual(disagreements, []);
    // Both verdicts occur, so the sweep does cross the limit.
    assert.ok(verdicts.some((v) => v.ok) && verdicts.some((v) => !v.ok));
  });

  test('the message names the parameter\'s first 10 bytes and the line where it started', () => {
    const text = wrap(`return 200 ${'я'.repeat(3000)};`);
    assert.deepEqual(checkNginx(new Map([['nginx.conf', text]])).map(formatDiagnostic), [`nginx.conf:5:16: too long parameter "яяяяя..." started`]);
  });
});
