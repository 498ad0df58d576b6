// The README's first command (`npm run demo` → scripts/demo.ts): the demo pod serves, an
// edit of its source directory is served by a new generation, a bad edit is rejected with
// file:line:col, and Ctrl-C (SIGINT) stops both containers cleanly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitForExit } from '../../src/process/exit.ts';
import { forEachLine } from '../../src/process/lines.ts';
import { fetchText } from '../helpers/load.ts';
import { ROOT } from '../helpers/master.ts';
import { freePorts } from '../helpers/ports.ts';

test('the demo pod serves, reloads on an edit, rejects a bad one, and stops on Ctrl-C', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hotcycle-demo-'));
  const [port, metrics] = await freePorts(2);
  const demo = spawn(process.execPath, [join(ROOT, 'scripts/demo.ts')], {
    env: { ...process.env, HOTCYCLE_DEMO_DIR: dir, HOTCYCLE_DEMO_PORT: String(port), HOTCYCLE_DEMO_METRICS_PORT: String(metrics) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = waitForExit(demo);
  const waiters: { match: RegExp; resolve: (line: string) => void }[] = [];
  const lines: string[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    for (const w of waiters.filter((w) => w.match.test(line))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  };
  forEachLine(demo.stdout!, onLine);
  forEachLine(demo.stderr!, onLine);
  const next = (match: RegExp) => new Promise<string>((resolve) => waiters.push({ match, resolve }));
  try {
    await next(/\[master\] .*master serving/);
    assert.match((await fetchText(port)).body, /Hello from generation one/);

    const reloaded = next(/\[sidecar\] .*master reloaded: generation 2/);
    await writeFile(join(dir, 'source/message.txt'), 'edited in the demo\n');
    await reloaded;
    assert.equal((await fetchText(port)).body, 'edited in the demo\n');

    const rejected = next(/\[sidecar\] .*rejected: hotcycle\.yaml:\d+:\d+/);
    await appendFile(join(dir, 'source/hotcycle.yaml'), 'workers: { count: two }\n');
    await rejected;
    assert.equal((await fetchText(port)).body, 'edited in the demo\n', 'the bad version never reached the master');

    demo.kill('SIGINT');
    assert.deepEqual(await exited, { code: 0, signal: null });
    assert.ok(lines.some((l) => /\[master\] .*master exiting/.test(l)));
  } finally {
    demo.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
