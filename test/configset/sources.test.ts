import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileSetFrom, hashFileSet } from '../../src/configset/fileset.ts';
import { invalidSourceName, readSources, rootCollision, secretModes, validateSources, withNamedSources, type Source } from '../../src/configset/sources.ts';
import { HotcycleError } from '../../src/errors.ts';
import { writeAtomic } from '../../src/sidecar/publish/atomic-writer.ts';
import { KubeletVolume } from '../helpers/kubelet.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hotcycle-sources-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('source names: one path segment, not reserved', () => {
  const table: [string, RegExp | undefined][] = [
    ['tls', undefined], ['app.conf.d', undefined], ['.hidden', undefined],
    ['', /empty/], ['a/b', /single path segment/], ['.', /reserved/], ['..data', /reserved/], ['..', /reserved/], ['x'.repeat(256), /255 bytes/],
  ];
  for (const [name, expected] of table) {
    const why = invalidSourceName(name);
    if (expected) assert.match(why ?? '', expected, name);
    else assert.equal(why, undefined, name);
  }
});

test('validateSources: a root, no name twice', () => {
  const root: Source = { name: '', dir: '/a', secret: false };
  assert.equal(validateSources([root, { name: 'tls', dir: '/b', secret: true }]).length, 2);
  const refused = (sources: Source[], message: RegExp) =>
    assert.throws(() => validateSources(sources), (e: unknown) => e instanceof HotcycleError && e.code === 'ESOURCE' && message.test(e.message));
  refused([root, { name: 'x', dir: '/b', secret: false }, { name: 'x', dir: '/c', secret: true }], /"x" is given twice/);
  refused([{ name: 'x', dir: '/b', secret: false }], /root source/);
  refused([root, { name: 'a/b', dir: '/b', secret: false }], /single path segment/);
});

test('several kubelet volumes read as one set under their names, each through its own ..data', async () => {
  const root = new KubeletVolume(join(dir, 'root'));
  const tls = new KubeletVolume(join(dir, 'tls'));
  await mkdir(root.dir);
  await mkdir(tls.dir);
  await root.update({ 'nginx.conf': 'events {}' });
  await tls.update({ 'tls.crt': 'C', 'tls.key': 'K' });
  const sources = validateSources([{ name: '', dir: root.dir, secret: false }, { name: 'tls', dir: tls.dir, secret: true }]);
  const { files, hash } = await readSources(sources);
  assert.deepEqual([...files.keys()], ['nginx.conf', 'tls/tls.crt', 'tls/tls.key']);
  assert.equal(hash, hashFileSet(files));
  await tls.update({ 'tls.crt': 'C2', 'tls.key': 'K' });
  assert.notEqual((await readSources(sources)).hash, hash, 'a change in any source is a new version');

  // The fast path: the root from the API, the named sources from their volumes; the same version, the same hash.
  const fromApi = await withNamedSources(fileSetFrom({ 'nginx.conf': 'events {}' }), sources);
  assert.equal(hashFileSet(fromApi), (await readSources(sources)).hash);

  assert.equal(await rootCollision(sources), undefined);
  await root.update({ 'nginx.conf': 'events {}', tls: 'a file named like the source' });
  assert.equal(await rootCollision(sources), 'tls');
  await assert.rejects(readSources(sources), (e: unknown) => e instanceof HotcycleError && e.code === 'EFILESET' && e.detail === 'tls');
});

test("a bad file in a named source is named by its path in the set; a missing source directory by the directory", async () => {
  const root = join(dir, 'r2');
  const extra = join(dir, 'e2');
  await mkdir(root);
  await mkdir(extra);
  const sources = validateSources([{ name: '', dir: root, secret: false }, { name: 'extra', dir: extra, secret: false }]);
  await mkdir(join(extra, 'sub'));
  const { symlink } = await import('node:fs/promises');
  await symlink('/etc/hostname', join(extra, 'sub', 'escape'));
  await assert.rejects(readSources(sources), (e: unknown) => e instanceof HotcycleError && e.detail === 'extra/sub/escape');
  const missing = validateSources([{ name: '', dir: root, secret: false }, { name: 'gone', dir: join(dir, 'nope'), secret: false }]);
  await assert.rejects(readSources(missing), (e: unknown) => e instanceof HotcycleError && e.detail === join(dir, 'nope'));
});

test("secret files keep their source mode (kubelet's defaultMode) without bits for others, in the live directory", async () => {
  const secret = join(dir, 'secret');
  await mkdir(secret);
  await writeFile(join(secret, 'tls.key'), 'K', { mode: 0o644 });
  await writeFile(join(secret, 'strict'), 'S');
  await chmod(join(secret, 'strict'), 0o400);
  const sources = validateSources([{ name: '', dir: join(dir, 'r2'), secret: false }, { name: 's', dir: secret, secret: true }]);
  const set = new Map([['a.conf', Buffer.from('A')], ['s/tls.key', Buffer.from('K')], ['s/strict', Buffer.from('S')]]);
  const modes = await secretModes(sources, set);
  assert.deepEqual(Object.fromEntries(modes), { 's/tls.key': 0o640, 's/strict': 0o400 });
  const live = join(dir, 'live');
  await mkdir(live);
  await writeAtomic(live, set, { modes, fsync: false });
  const mode = async (name: string) => (await stat(join(live, name))).mode & 0o777;
  assert.equal(await mode('a.conf'), 0o644);
  assert.equal(await mode('s/tls.key'), 0o640);
  assert.equal(await mode('s/strict'), 0o400);
  // Same content, stricter mode: a new version, so the live copy follows the source.
  const { changed } = await writeAtomic(live, set, { modes: new Map([...modes, ['s/tls.key', 0o600]]), fsync: false });
  assert.equal(changed, true);
  assert.equal(await mode('s/tls.key'), 0o600);
});
