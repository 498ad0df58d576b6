// The source watcher on real directories: kubelet-style swaps (test/helpers/kubelet.ts) and a
// plain directory; events are awaited, never slept for.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { silentLogger } from '../../../src/log.ts';
import { inspectSource } from '../../../src/sidecar/sync/source.ts';
import { SourceWatcher } from '../../../src/sidecar/sync/watch.ts';
import { KubeletVolume } from '../../helpers/kubelet.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hotcycle-watch-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function watching(t: TestContext, dir: string | string[], options: { debounceMs?: number; debounceMaxMs?: number; resyncMs?: number } = {}) {
  const signals = new EventEmitter();
  let changes = 0;
  const watcher = await SourceWatcher.start({
    dirs: typeof dir === 'string' ? [dir] : dir, debounceMs: options.debounceMs ?? 20, debounceMaxMs: options.debounceMaxMs ?? 60_000, resyncMs: options.resyncMs ?? 60_000, logger: silentLogger(),
    onChange: () => { changes++; signals.emit('change'); },
    onResync: () => signals.emit('resync'),
  });
  t.after(() => watcher.close());
  return { watcher, signals, changes: () => changes };
}

describe('SourceWatcher', () => {
  test('a burst of kubelet swaps becomes one change, after the last swap', async (t) => {
    const dir = await tempDir(t);
    const volume = new KubeletVolume(dir);
    await volume.update({ 'a.conf': 'v0' });
    const { watcher, signals, changes } = await watching(t, dir, { debounceMs: 200 });
    const changed = once(signals, 'change');
    for (let i = 1; i <= 20; i++) await volume.update({ 'a.conf': `v${i}` });
    await changed;
    assert.equal(changes(), 1);
    assert.equal(watcher.health().kind, 'kubelet');
    assert.ok(watcher.health().events >= 1);
  });

  test('swaps of several sources within the debounce become one change', async (t) => {
    const dir = await tempDir(t);
    const volumes = ['root', 'tls', 'extra'].map((name) => new KubeletVolume(join(dir, name)));
    for (const volume of volumes) {
      await mkdir(volume.dir);
      await volume.update({ 'a.conf': 'v0' });
    }
    const { signals, changes } = await watching(t, volumes.map((v) => v.dir), { debounceMs: 300 });
    const changed = once(signals, 'change');
    for (const volume of volumes) await volume.update({ 'a.conf': 'v1' });
    await changed;
    assert.equal(changes(), 1);
    // A later swap of one named source alone is seen too (its ..data counts, not only the root's).
    const again = once(signals, 'change');
    await volumes[2]?.update({ 'a.conf': 'v2' });
    await again;
    assert.equal(changes(), 2);
  });

  test('a source that never stops changing still syncs, debounceMaxMs after the first change', async (t) => {
    const dir = await tempDir(t);
    const volume = new KubeletVolume(dir);
    await volume.update({ 'a.conf': 'v0' });
    // A debounce no gap between these swaps can reach: only the max wait can end the burst.
    const { signals } = await watching(t, dir, { debounceMs: 60_000, debounceMaxMs: 300 });
    let changed = false;
    signals.once('change', () => { changed = true; });
    let swaps = 0;
    while (!changed && swaps < 10_000) await volume.update({ 'a.conf': `v${++swaps}` });
    assert.ok(changed, `a change was signalled while ${swaps} swaps kept coming`);
  });

  test('on a kubelet volume, entries other than ..data do not count', async (t) => {
    const dir = await tempDir(t);
    const volume = new KubeletVolume(dir);
    await volume.update({ 'a.conf': 'v0' });
    const { watcher, signals } = await watching(t, dir);
    await volume.crashBeforeSwap({ 'a.conf': 'half' }); // a new timestamped dir, no swap
    await writeFile(join(dir, 'stray'), 'x');
    const changed = once(signals, 'change');
    await volume.update({ 'a.conf': 'v1' });
    await changed;
    assert.equal(watcher.health().events, 1, 'only the ..data swap counted');
  });

  test('on a plain directory any settled change counts', async (t) => {
    const dir = await tempDir(t);
    const { signals, watcher } = await watching(t, dir);
    const changed = once(signals, 'change');
    await writeFile(join(dir, 'a.conf'), 'x');
    await changed;
    assert.equal(watcher.health().kind, 'plain');
    assert.equal(watcher.health().healthy, true);
  });

  test('the slow timer asks for a re-hash; close() is idempotent and stops everything', async (t) => {
    const dir = await tempDir(t);
    const { watcher, signals } = await watching(t, dir, { resyncMs: 30 });
    await once(signals, 'resync');
    watcher.noteMissed();
    assert.equal(watcher.health().missedChanges, 1);
    await watcher.close();
    await watcher.close();
    assert.equal(watcher.health().healthy, false);
  });
});

describe('inspectSource', () => {
  test('kubelet volume, plain directory, missing, a file, a subPath-like directory', async (t) => {
    const dir = await tempDir(t);
    const volume = new KubeletVolume(join(dir, 'vol'));
    await mkdir(volume.dir);
    await volume.update({ 'a.conf': 'x', 'sub/b.conf': 'y' });
    await mkdir(join(dir, 'plain'));
    assert.deepEqual(await inspectSource(volume.dir), { kind: 'kubelet' });
    assert.deepEqual(await inspectSource(join(dir, 'plain')), { kind: 'plain' });
    assert.equal((await inspectSource(join(dir, 'none'))).kind, 'missing');
    const file = await inspectSource(join(volume.dir, 'a.conf'));
    assert.equal(file.kind, 'file');
    assert.match(file.warning ?? '', /subPath/);
    const sub = await inspectSource(join(volume.dir, 'sub'));
    assert.match(sub.warning ?? '', /subPath/);
  });
});
