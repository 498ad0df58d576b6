// Issue 4, acceptance 1 and the master's part of 2, against a real nginx under a real
// `hotcycle master --driver nginx`: an edit served by new workers with the old ones gone;
// semantic errors rejected by the check phase with nginx's message; a port already taken
// reported as a failed reload while the old configuration keeps serving.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { alive } from '../helpers/master.ts';
import { fetchText } from '../helpers/load.ts';
import { Harness } from '../fixtures/nginx-driver/harness.ts';

const server = (port: number, body: string, extra = '') =>
  `server { listen 127.0.0.1:${port} reuseport; ${extra} location / { return 200 "${body}\\n"; } }`;

describe('nginx driver: reloads with a definite result', () => {
  let h: Harness;
  let port: number;

  before(async () => ({ h, port } = await Harness.serving((p) => server(p, 'one'))));
  after(() => h.close());

  test('an edit is served by new workers; the old ones exit; the result names them', async () => {
    assert.equal((await fetchText(port)).body, 'one\n');
    const before = await h.status();
    const oldPids = await h.pids();
    assert.equal(before.generation, 1);
    assert.equal(oldPids.length, 2);
    await h.writeConf(server(port, 'two'));
    const result = await h.reload();
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.generation, 2);
    assert.deepEqual(result.phases.map((p) => p.name), ['check', 'start', 'ready', 'commit']);
    const detail = result.detail as { workers: number[]; nginxPid: number; logConfirmed: boolean };
    assert.equal(detail.workers.length, 2);
    assert.ok(detail.workers.every((pid) => !oldPids.includes(pid)));
    assert.equal(detail.logConfirmed, true, 'the error log shows "start worker process" for each new pid');
    assert.equal((await fetchText(port)).body, 'two\n');
    // Idle old workers exit at once after SIGQUIT; nginx logs each exit once it reaped it.
    for (const pid of oldPids) await h.waitForErrorLog(new RegExp(`worker process ${pid} exited with code 0`));
    assert.deepEqual(oldPids.filter(alive), []);
    const status = await h.status();
    assert.deepEqual(status.generations.map((g) => [g.generation, g.state]), [[2, 'current']]);
    assert.deepEqual(status.generations[0]?.workers.map((w) => w.pid).sort(), [...detail.workers].sort());
    assert.equal((status.detail as { nginxPid: number }).nginxPid, detail.nginxPid);
  });

  test('an unknown directive is rejected by the check phase with nginx\'s message', async () => {
    const generation = (await h.status()).generation;
    await h.writeConf(server(port, 'three', 'no_such_directive on;'));
    const result = await h.reload();
    assert.equal(result.ok, false);
    assert.equal(result.error?.phase, 'check');
    assert.equal(result.error?.code, 'ENGINXCHECK');
    assert.match(result.error?.message ?? '', /^nginx\.conf:\d+:\d+: unknown directive "no_such_directive"$/);
    assert.equal(result.generation, generation);
    assert.equal((await fetchText(port)).body, 'two\n');
  });

  test('an include of a missing file is rejected by the check phase with nginx\'s message', async () => {
    await h.writeConf(`include ${h.live}/missing.conf; ${server(port, 'three')}`);
    const result = await h.reload();
    assert.equal(result.ok, false);
    assert.equal(result.error?.phase, 'check');
    assert.match(result.error?.message ?? '', /open\(\) ".*missing\.conf" failed \(2: No such file or directory\)/);
    assert.equal((await fetchText(port)).body, 'two\n');
  });

  test('a listen on a taken port fails the reload (nginx -t cannot see it); the old config keeps serving', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const takenPort = (taken.address() as { port: number }).port;
    try {
      const before = await h.pids();
      const generation = (await h.status()).generation;
      await h.writeConf(`${server(port, 'four')} server { listen 127.0.0.1:${takenPort}; return 200; }`);
      const result = await h.reload();
      assert.equal(result.ok, false);
      assert.equal(result.error?.phase, 'ready');
      assert.equal(result.error?.code, 'ENGINXRELOAD');
      assert.equal(result.error?.message, `nginx kept the old configuration: bind() to 127.0.0.1:${takenPort} failed (98: Address already in use)`);
      assert.match(result.error?.detail ?? '', /still could not bind\(\)/);
      assert.equal(result.generation, generation);
      assert.deepEqual(await h.pids(), before);
      assert.equal((await fetchText(port)).body, 'two\n');
    } finally {
      taken.close();
    }
    // With the port free again the same edit goes through.
    const retry = await h.reload();
    assert.equal(retry.ok, true, JSON.stringify(retry.error));
    assert.equal((await fetchText(port)).body, 'four\n');
  });
});
