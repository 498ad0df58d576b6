// The master's first cycle fails (a worker that crashes on start). By default the master exits
// 1, as nginx does on a bad config; with --start-failure wait (the chart's, with lastGood) it
// stays up serving nothing, in state `waiting`, until a reload succeeds — the sidecar's next
// version or the release's last good one — and then serves like any master.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { fetchText } from '../helpers/load.ts';
import { demoConfig, fixture, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';

const crashing = (port: number) => stringify(demoConfig(port, { count: 1, command: ['node', fixture('crash-on-start.ts')] }));
const failed = (l: { event?: unknown }) => l.event === 'master.start.failed';

test('default: a first config that cannot serve makes the master exit 1', async () => {
  const port = await freePort();
  const master = await MasterProcess.start(crashing(port), {}, { until: failed });
  try {
    assert.equal((await master.exited).code, 1);
    assert.match(String(master.logs.find(failed)?.phase), /^(start|ready)$/, 'the worker died in the start or ready phase');
  } finally {
    await master.cleanup();
  }
});

test('--start-failure wait: the master serves nothing until a reload succeeds, then serves', async () => {
  const port = await freePort();
  const master = await MasterProcess.start(crashing(port), { 'message.txt': 'fixed' }, { args: ['--start-failure', 'wait'], until: failed });
  try {
    const waiting = await master.status();
    assert.equal(waiting.state, 'waiting');
    assert.equal(waiting.generation, 0);
    // The failed generation may still be listed, ended, until the registry lets it go.
    assert.deepEqual(waiting.generations.filter((g) => g.state !== 'ended'), [], 'no generation serves or starts');
    await assert.rejects(fetchText(port), 'nothing listens');

    const again = await master.reload({ reason: 'the same version' });
    assert.equal(again.ok, false);
    assert.equal((await master.status()).state, 'waiting');

    await master.writeConfig(demoConfig(port, { count: 1 }));
    const fixed = await master.reload({ reason: 'fixed' });
    assert.equal(fixed.ok, true, JSON.stringify(fixed.error));
    const running = await master.status();
    assert.equal(running.state, 'running');
    assert.equal(running.generation, fixed.generation);
    assert.match((await fetchText(port)).body, /fixed/);
    assert.equal((await master.stop()).code, 0);
  } finally {
    await master.cleanup();
  }
});

test('--start-failure wait: SIGTERM while waiting exits 0 at once', async () => {
  const port = await freePort();
  const master = await MasterProcess.start(crashing(port), {}, { args: ['--start-failure', 'wait', '--shutdown-delay-ms', '60000'], until: failed });
  try {
    assert.equal((await master.stop()).code, 0);
  } finally {
    await master.cleanup();
  }
});
