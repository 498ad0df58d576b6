// A reload whose ready phase takes longer than an HTTP client's usual idle timeout (Node's
// global agent: 5 s) is waited for to the end, by the client library and by the CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CLI, demoConfig, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';

const run = promisify(execFile);
let master: MasterProcess;

before(async () => {
  master = await MasterProcess.start(demoConfig(await freePort(), { count: 1, readiness: { mode: 'settle', delayMs: 6500 } }));
});
after(() => master.cleanup());

test('a 6.5 s cycle: the client waits for its result', async () => {
  const result = await master.reload({ reason: 'slow' });
  assert.equal(result.ok, true, JSON.stringify(result.error));
  assert.ok(result.durationMs >= 6500);
});

test('a 6.5 s cycle: hotcycle reload --direct prints its result and exits 0', async () => {
  const { stdout } = await run(process.execPath, [CLI, 'reload', '--direct', '--socket', master.socket]);
  assert.match(stdout, /reload ok: generation 3/);
});
