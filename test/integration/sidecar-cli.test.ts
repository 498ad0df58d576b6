// Acceptance (sidecar) 6, the operator's view: `hotcycle reload` goes through the sidecar (sync,
// check, publish, reload) and prints the master's result; `hotcycle status` shows the sidecar
// and the master together, and the master alone when no sidecar answers.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CLI, demoConfig } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod } from '../helpers/sidecar.ts';

const exec = promisify(execFile);
async function hotcycle(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { ...process.env, HOTCYCLE_MASTER_SOCKET: pod.masterSocket } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let pod: Pod;
let port: number;

before(async () => {
  port = await freePort();
  pod = await Pod.create({ 'message.txt': 'one' }, demoConfig(port, { count: 1 }));
  const sidecar = await pod.startSidecar();
  await sidecar.waitForLog((l) => l.event === 'config.published');
  await pod.startMaster();
  await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
});
after(() => pod.cleanup());

test('hotcycle reload (no --direct) forces a cycle through the sidecar and prints the result', async () => {
  const before = await pod.masterStatus();
  const text = await hotcycle('reload', '--sidecar-socket', pod.sidecarSocket, '--reason', 'operator');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /reload ok: generation \d+ serving config [0-9a-f]{12}/);
  const json = await hotcycle('reload', '--sidecar-socket', pod.sidecarSocket, '--json');
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout) as { reload: { ok: boolean; generation: number; reason: string }; configHash: string };
  assert.equal(result.reload.ok, true);
  assert.equal(result.reload.generation, before.generation + 2);
  assert.equal(result.configHash, before.configHash, 'unchanged source, forced cycle');
});

test('hotcycle reload reports the checks\' findings and exits 1 when the source is invalid', async () => {
  const rejected = pod.sidecar!.nextLog((l) => l.event === 'config.rejected');
  await pod.update({ 'message.txt': 'one' }, 'workers:\n  count: two\n  command: [node]\n');
  await rejected;
  const out = await hotcycle('reload', '--sidecar-socket', pod.sidecarSocket);
  assert.equal(out.code, 1);
  assert.match(out.stdout, /hotcycle\.yaml:2:10: workers\.count/);
  await pod.update({ 'message.txt': 'one' }, demoConfig(port, { count: 1 }));
});

test('hotcycle status shows both; the master alone with --socket or without a sidecar', async () => {
  const both = await hotcycle('status', '--sidecar-socket', pod.sidecarSocket);
  assert.equal(both.code, 0, both.stderr);
  assert.match(both.stdout, /^sidecar pid \d+ · driver native/m);
  assert.match(both.stdout, /^live .* published [0-9a-f]{12} · master runs [0-9a-f]{12}/m);
  assert.match(both.stdout, /^kubernetes: off/m);
  assert.match(both.stdout, /^master pid \d+ · driver native · running/m);
  const json = JSON.parse((await hotcycle('status', '--sidecar-socket', pod.sidecarSocket, '--json')).stdout) as { sidecar: { publishedHash: string }; master: { configHash: string } };
  assert.equal(json.sidecar.publishedHash, json.master.configHash);

  const alone = await hotcycle('status', '--socket', pod.masterSocket);
  assert.equal(alone.code, 0);
  assert.match(alone.stdout, /^master pid/m);
  assert.match(alone.stdout, /master only \(--socket .* given\)/);
  const missing = await hotcycle('status', '--sidecar-socket', `${pod.dir}/run/none.sock`, '--json');
  assert.equal(missing.code, 0, missing.stderr);
  const shown = JSON.parse(missing.stdout) as { sidecar: null; master: { pid: number }; note: string };
  assert.equal(shown.sidecar, null);
  assert.ok(shown.master.pid > 0);
  assert.match(shown.note, /^no sidecar at .*none\.sock: master only$/);
});
