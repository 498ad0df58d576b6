// Acceptance (engine) 7: a bad hotcycle.yaml (syntax error, wrong type, unknown field,
// empty file) fails with an error naming the file, the line and the field — through a
// reload and through `hotcycle check` — and nothing changes: the generation serves on.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { fetchText } from '../helpers/load.ts';
import { CLI, demoConfig, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';

const run = promisify(execFile);
let master: MasterProcess;
let port: number;
let good: string;

before(async () => {
  port = await freePort();
  good = stringify(demoConfig(port));
  master = await MasterProcess.start(good, { 'message.txt': 'still serving' });
});
after(() => master.cleanup());

/** Replaces the first occurrence of `from` in the good config; the line of `at` is the expected one. */
function broken(from: string, to: string): { text: string; line: number } {
  assert.ok(good.includes(from), `fixture has ${from}`);
  const text = good.replace(from, to);
  return { text, line: text.slice(0, text.indexOf(to)).split('\n').length };
}

const cases = [
  { name: 'YAML syntax error', make: () => broken('count: 2', 'count: [2'), expect: [/hotcycle\.yaml:\d+:\d+/] },
  { name: 'wrong type', make: () => broken('count: 2', 'count: two'), expect: [/workers\.count/, /integer/] },
  { name: 'unknown field', make: () => broken('count: 2', 'cuont: 2'), expect: [/cuont/, /count/] },
  { name: 'empty file', make: () => ({ text: '', line: 0 }), expect: [/hotcycle\.yaml/, /empty/] },
];

describe('a bad hotcycle.yaml changes nothing', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const { text, line } = c.make();
      const before = await master.status();
      await master.writeConfig(text);
      const result = await master.reload();
      assert.equal(result.ok, false);
      assert.equal(result.error?.phase, 'check');
      const report = `${result.error?.message}\n${result.error?.detail}`;
      for (const pattern of c.expect) assert.match(report, pattern);
      if (line > 0) assert.match(report, new RegExp(`hotcycle\\.yaml:${line}:\\d+`), report);

      const cli = await run(process.execPath, [CLI, 'check', master.configDir]).then(() => assert.fail('check must exit 1'), (e: { code: number; stdout: string }) => e);
      assert.equal(cli.code, 1);
      for (const pattern of c.expect) assert.match(cli.stdout, pattern);

      const after = await master.status();
      assert.equal(after.generation, before.generation);
      assert.deepEqual(after.generations.map((g) => g.workers.map((w) => w.pid)), before.generations.map((g) => g.workers.map((w) => w.pid)));
      assert.match((await fetchText(port)).body, /still serving/);
    });
  }

  test('check accepts the good config again (exit 0)', async () => {
    await master.writeConfig(good);
    const { stdout } = await run(process.execPath, [CLI, 'check', master.configDir]);
    assert.match(stdout, /is valid/);
  });
});
