// The stand-in must leave exactly the layout kubelet leaves, or tests built on it prove nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeletVolume } from './kubelet.ts';

const TIMESTAMP_DIR = /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.[A-Za-z0-9]{6}$/;

let root: string;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'hotcycle-kubelet-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let counter = 0;
async function freshVolume(): Promise<KubeletVolume> {
  const dir = path.join(root, `vol-${++counter}`);
  await mkdir(dir);
  return new KubeletVolume(dir);
}

async function layout(dir: string): Promise<{ versions: string[]; data: string; links: Record<string, string> }> {
  const entries = (await readdir(dir)).sort();
  const links: Record<string, string> = {};
  for (const name of entries.filter((e) => !e.startsWith('..'))) links[name] = await readlink(path.join(dir, name));
  return {
    versions: entries.filter((e) => TIMESTAMP_DIR.test(e)),
    data: await readlink(path.join(dir, '..data')),
    links,
  };
}

test('update writes a timestamped directory behind ..data and top-level links into it', async () => {
  const volume = await freshVolume();
  await volume.update({ 'nginx.conf': 'n1', 'conf.d/site.conf': 's1' });
  const first = await layout(volume.dir);
  assert.equal(first.versions.length, 1);
  assert.equal(first.data, first.versions[0]);
  assert.deepEqual(first.links, { 'conf.d': '..data/conf.d', 'nginx.conf': '..data/nginx.conf' });
  assert.equal((await lstat(path.join(volume.dir, first.data))).mode & 0o777, 0o755);
  assert.equal(await readFile(path.join(volume.dir, 'conf.d/site.conf'), 'utf8'), 's1');
  assert.deepEqual((await readdir(volume.dir)).filter((e) => e === '..data_tmp'), []);

  await volume.update({ 'nginx.conf': 'n2', 'extra.conf': 'e2' });
  const second = await layout(volume.dir);
  assert.equal(second.versions.length, 1, 'the old directory is removed');
  assert.notEqual(second.data, first.data);
  assert.deepEqual(second.links, { 'extra.conf': '..data/extra.conf', 'nginx.conf': '..data/nginx.conf' });
  assert.equal(await readFile(path.join(volume.dir, 'nginx.conf'), 'utf8'), 'n2');
});

test('an update with the same files does not swap, as kubelet skips it', async () => {
  const volume = await freshVolume();
  await volume.update({ a: '1', 'b/c': '2' });
  const before = await layout(volume.dir);
  await volume.update({ a: '1', 'b/c': '2' });
  assert.deepEqual(await layout(volume.dir), before);
  await volume.update({ a: '1' });
  assert.notEqual((await layout(volume.dir)).data, before.data, 'a removed file is a change');
});

test('crashBeforeSwap leaves a new directory that ..data does not name', async () => {
  const volume = await freshVolume();
  await volume.update({ a: 'v1' });
  const before = await layout(volume.dir);
  const orphan = await volume.crashBeforeSwap({ a: 'v2' });
  const after = await layout(volume.dir);
  assert.equal(after.data, before.data);
  assert.deepEqual(after.versions.sort(), [...before.versions, path.basename(orphan)].sort());
  assert.equal(await readFile(path.join(volume.dir, 'a'), 'utf8'), 'v1');
  await volume.update({ a: 'v3' });
  assert.equal(await readFile(path.join(volume.dir, 'a'), 'utf8'), 'v3');
});
