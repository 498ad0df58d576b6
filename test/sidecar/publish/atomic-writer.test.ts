// Tested as kubelet tests its AtomicWriter (atomic_writer_test.go: TestWriteOnce, TestUpdate,
// checkVolumeContents), plus what kubelet does not test: readers racing 200 updates, real ENOSPC
// at each step before the swap (a tiny tmpfs), and leftovers of a writer killed mid-publish.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HotcycleError } from '../../../src/errors.ts';
import { writeAtomic } from '../../../src/sidecar/publish/atomic-writer.ts';
import { fileSetFrom, fileSetsEqual, readFileSet, type FileSet } from '../../../src/configset/fileset.ts';
import { KubeletVolume } from '../../helpers/kubelet.ts';
import { mountTmpfs } from '../../helpers/tmpfs.ts';
import { Scratch } from '../../helpers/scratch.ts';

const TIMESTAMP_DIR = /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.[A-Za-z0-9]{6}$/;

const scratch = Scratch.forFile('hotcycle-writer-');

async function freshDir(): Promise<string> {
  const dir = await scratch.dir();
  return dir;
}

/** kubelet's checkVolumeContents, and the layout around it: one version, links, nothing stale. */
async function checkVolumeContents(dir: string, payload: FileSet): Promise<void> {
  assert.ok(fileSetsEqual(await readFileSet(dir), payload), 'read back through ..data equals the payload');
  for (const [name, content] of payload) assert.deepEqual(await readFile(path.join(dir, name)), content, name);
  const entries = (await readdir(dir)).sort();
  const versions = entries.filter((e) => e.startsWith('..') && e !== '..data');
  assert.equal(versions.length, 1, `one timestamped directory, found ${versions.join(', ')}`);
  assert.match(versions[0] ?? '', TIMESTAMP_DIR);
  assert.equal(await readlink(path.join(dir, '..data')), versions[0]);
  const visible = entries.filter((e) => !e.startsWith('..'));
  assert.deepEqual(visible, [...new Set([...payload.keys()].map((p) => p.split('/')[0]))].sort());
  for (const name of visible) assert.equal(await readlink(path.join(dir, name)), `..data/${name}`);
}

const binary = Buffer.from('f0VMRgIBAQAAAAAAAAAAAAIAPgABAAAAeABAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAEAAOAAB', 'base64');

describe('write once (TestWriteOnce)', () => {
  const cases: { name: string; payload: Record<string, string | Buffer>; success: boolean }[] = [
    { name: 'invalid payload 1', payload: { foo: 'foo', '..bar': 'bar', 'binary.bin': binary }, success: false },
    { name: 'invalid payload 2', payload: { 'foo/../bar': 'foo' }, success: false },
    { name: 'basic 1', payload: { foo: 'foo', bar: 'bar' }, success: true },
    { name: 'basic 2', payload: { 'binary.bin': binary, '.binary.bin': binary }, success: true },
    { name: 'dotfiles', payload: { foo: 'foo', bar: 'bar', '.dotfile': 'dotfile', '.dotfile.file': 'dotfile.file' }, success: true },
    { name: 'subdirectories 1', payload: { 'foo/bar.txt': 'foo/bar', 'bar/zab.txt': 'bar/zab.txt' }, success: true },
    {
      name: 'subdirectories 3',
      payload: { 'foo/bar.txt': '1', 'bar/zab.txt': '2', 'foo/blaz/bar.txt': '3', 'bar/zib/zab.txt': '4' },
      success: true,
    },
    {
      name: 'kitchen sink',
      payload: {
        'foo.log': 'foo', 'bar.zap': 'bar', '.dotfile': 'dotfile', 'foo/bar.txt': 'foo/bar',
        'bar/zab.txt': 'bar/zab.txt', 'foo/blaz/bar.txt': 'foo/blaz/bar', 'bar/zib/zab.txt': 'bar/zib/zab.txt',
        '1/2/3/4/5/6/7/8/9/10/.dotfile.lib': '1-2-3-dotfile',
      },
      success: true,
    },
    { name: 'empty', payload: {}, success: true },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const dir = await freshDir();
      const payload = fileSetFrom(c.payload);
      if (!c.success) {
        await assert.rejects(writeAtomic(dir, payload), (error: unknown) => error instanceof HotcycleError && error.code === 'EPAYLOAD');
        assert.deepEqual(await readdir(dir), [], 'an invalid payload changes nothing');
        return;
      }
      const result = await writeAtomic(dir, payload);
      assert.equal(result.changed, true);
      assert.equal(result.dataDir, path.join(dir, await readlink(path.join(dir, '..data'))));
      await checkVolumeContents(dir, payload);
      const info = await lstat(result.dataDir);
      assert.equal(info.mode & 0o777, 0o755);
      for (const name of payload.keys()) assert.equal((await lstat(path.join(result.dataDir, name))).mode & 0o777, 0o644);
    });
  }

  test('cleans paths before writing', async () => {
    const dir = await freshDir();
    await writeAtomic(dir, fileSetFrom({ 'foo//bar.txt': 'foo//bar', 'bar///bar/zab.txt': 'x' }));
    await checkVolumeContents(dir, fileSetFrom({ 'foo/bar.txt': 'foo//bar', 'bar/bar/zab.txt': 'x' }));
  });

  test('needs the target directory to exist', async () => {
    await assert.rejects(writeAtomic(scratch.path('nope'), fileSetFrom({ a: 'a' })), (error: unknown) =>
      error instanceof HotcycleError && error.code === 'ENOTARGET' && /does not exist/.test(error.message));
  });
});

describe('update (TestUpdate)', () => {
  type Files = Record<string, string>;
  const cases: { name: string; first: Files; next: Files; shouldWrite: boolean }[] = [
    { name: 'update', first: { foo: 'foo', bar: 'bar' }, next: { foo: 'foo2', bar: 'bar2' }, shouldWrite: true },
    { name: 'no update', first: { foo: 'foo', bar: 'bar' }, next: { foo: 'foo', bar: 'bar' }, shouldWrite: false },
    { name: 'no update 2', first: { 'foo/bar.txt': 'foo', 'bar/zab.txt': 'bar' }, next: { 'foo/bar.txt': 'foo', 'bar/zab.txt': 'bar' }, shouldWrite: false },
    { name: 'add 1', first: { 'foo/bar.txt': 'foo' }, next: { 'foo/bar.txt': 'foo', 'blu/zip.txt': 'zip' }, shouldWrite: true },
    { name: 'add 2', first: { 'foo/bar.txt': 'foo' }, next: { 'foo/bar.txt': 'foo', 'blu/two/2/3/4/5/zip.txt': 'zip' }, shouldWrite: true },
    { name: 'add 3', first: { 'bar/zab.txt': 'bar' }, next: { 'bar/zab.txt': 'bar', 'bar/2/3/4/5/zip.txt': 'zip' }, shouldWrite: true },
    { name: 'delete 1', first: { 'foo/bar.txt': 'foo', 'bar/zab.txt': 'bar' }, next: { 'foo/bar.txt': 'foo' }, shouldWrite: true },
    { name: 'delete 2', first: { 'foo/bar.txt': 'foo', 'bar/1/2/3/zab.txt': 'bar' }, next: { 'foo/bar.txt': 'foo' }, shouldWrite: true },
    {
      name: 'delete 3',
      first: { 'foo/bar.txt': 'foo', 'bar/1/2/sip.txt': 'sip', 'bar/1/2/3/zab.txt': 'bar' },
      next: { 'foo/bar.txt': 'foo', 'bar/1/2/sip.txt': 'sip' },
      shouldWrite: true,
    },
    { name: 'delete all', first: { a: 'a', 'b/c': 'c' }, next: {}, shouldWrite: true },
    { name: 'file becomes a directory', first: { a: 'a' }, next: { 'a/b': 'b' }, shouldWrite: true },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const dir = await freshDir();
      const first = await writeAtomic(dir, fileSetFrom(c.first));
      const next = await writeAtomic(dir, fileSetFrom(c.next));
      assert.equal(next.changed, c.shouldWrite);
      if (!c.shouldWrite) assert.equal(next.dataDir, first.dataDir, 'no new version directory');
      await checkVolumeContents(dir, fileSetFrom(c.next));
    });
  }

  test('many updates in a row (TestMultipleUpdates)', async () => {
    const dir = await freshDir();
    const sequence: Record<string, string>[] = [
      { foo: '1', 'x/y': '1' }, { foo: '2', 'x/z': '2', bar: '2' }, { bar: '3' }, { 'x/y/z': '4', foo: '4' }, { foo: '4', 'x/y/z': '4' },
    ];
    for (const files of sequence) {
      await writeAtomic(dir, fileSetFrom(files));
      await checkVolumeContents(dir, fileSetFrom(files));
    }
  });
});

describe('leftovers and strays', () => {
  test('a version written but never swapped in (kill -9 mid-publish) is removed by the next write', async () => {
    const dir = await freshDir();
    await writeAtomic(dir, fileSetFrom({ a: 'v1' }));
    const orphan = await new KubeletVolume(dir).crashBeforeSwap({ a: 'v2' });
    await symlink(path.basename(orphan), path.join(dir, '..data_tmp'));
    assert.deepEqual(Object.fromEntries(await readFileSet(dir)), { a: Buffer.from('v1') }, 'readers still see v1');
    const unchanged = await writeAtomic(dir, fileSetFrom({ a: 'v1' }));
    assert.equal(unchanged.changed, false);
    await checkVolumeContents(dir, fileSetFrom({ a: 'v1' }));

    await new KubeletVolume(dir).crashBeforeSwap({ a: 'v3' });
    await symlink('..2000_01_01_00_00_00.gone00', path.join(dir, '..data_tmp'));
    await writeAtomic(dir, fileSetFrom({ a: 'v4' }));
    await checkVolumeContents(dir, fileSetFrom({ a: 'v4' }));
  });

  test('a user-visible link no version owns (crash between swap and cleanup) is removed', async () => {
    const dir = await freshDir();
    await writeAtomic(dir, fileSetFrom({ a: 'v1' }));
    await symlink('..data/ghost', path.join(dir, 'ghost'));
    await writeAtomic(dir, fileSetFrom({ a: 'v2' }));
    await checkVolumeContents(dir, fileSetFrom({ a: 'v2' }));
  });

  test('a stray file under a payload name is replaced by the link; unrelated files stay', async () => {
    const dir = await freshDir();
    await writeFile(path.join(dir, 'a'), 'stray');
    await mkdir(path.join(dir, 'b'));
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    await writeAtomic(dir, fileSetFrom({ a: 'v1', 'b/c': 'v1' }));
    assert.equal(await readFile(path.join(dir, 'a'), 'utf8'), 'v1');
    assert.equal(await readFile(path.join(dir, 'b', 'c'), 'utf8'), 'v1');
    assert.equal(await readFile(path.join(dir, 'notes.txt'), 'utf8'), 'mine');
  });
});

describe('same layout as kubelet', () => {
  test('the writer takes over a volume kubelet wrote, and the other way round', async () => {
    const dir = await freshDir();
    const kubelet = new KubeletVolume(dir);
    await kubelet.update({ 'a.conf': 'k1', 'sub/b.conf': 'k1' });
    assert.equal((await writeAtomic(dir, fileSetFrom({ 'a.conf': 'k1', 'sub/b.conf': 'k1' }))).changed, false);
    await writeAtomic(dir, fileSetFrom({ 'a.conf': 'w2', 'c.conf': 'w2' }));
    await checkVolumeContents(dir, fileSetFrom({ 'a.conf': 'w2', 'c.conf': 'w2' }));
    await kubelet.update({ 'd.conf': 'k3' });
    await checkVolumeContents(dir, fileSetFrom({ 'd.conf': 'k3' }));
  });
});

/** Version n of a set whose names change too: top-level files and a nested directory come and go. */
function versionFiles(n: number): Record<string, string> {
  const body = `v=${n}\n${'#'.repeat(n % 7 * 100)}`;
  const files: Record<string, string> = { 'a.conf': body, 'b.conf': body, 'nested/c.conf': body, [`extra-${n % 3}.conf`]: body };
  if (n % 2 === 0) files['even/deep/d.conf'] = body;
  return files;
}

// Runs in a child process, so reads race the writer for real, not just between awaits.
const READER = `
const { readFileSet } = await import(process.argv[1]);
const dir = process.argv[2];
${versionFiles.toString()}
let stop = false, reads = 0, busy = 0, last = -1;
const seen = new Set(), problems = [];
process.stdin.on('end', () => { stop = true; }).resume();
while (!stop) {
  let set;
  try { set = await readFileSet(dir); } catch (error) {
    // A reader slower than the writer may be told to come back later; never given a wrong set.
    if (error.code === 'ECHANGING') busy++; else problems.push(error.message);
    continue;
  }
  const versions = new Set([...set.values()].map((c) => Number(/^v=(\\d+)/.exec(c.toString())?.[1])));
  const [v] = versions;
  const expected = Object.keys(versionFiles(v)).sort().join(',');
  if (versions.size !== 1) problems.push('mixed versions ' + [...versions].join(','));
  else if ([...set.keys()].join(',') !== expected) problems.push('names of v' + v + ': ' + [...set.keys()].join(','));
  else if (v < last) problems.push('went back from v' + last + ' to v' + v);
  last = v; seen.add(v); reads++;
  if (reads === 1) process.stdout.write('reading\\n');
}
process.stdout.write(JSON.stringify({ reads, busy, seen: seen.size, problems: problems.slice(0, 5) }) + '\\n');
`;

test('a reader racing 200 updates always sees exactly one version', async (t) => {
  const dir = await freshDir();
  await writeAtomic(dir, fileSetFrom(versionFiles(0)));
  const here = path.dirname(new URL(import.meta.url).pathname);
  const child = spawn(process.execPath, ['--input-type=module', '-e', READER,
    pathToFileURL(path.join(here, '../../../src/configset/fileset.ts')).href, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  let output = '';
  child.stdout.on('data', (chunk: string) => { output += chunk; });
  const exited = once(child, 'exit');
  while (!output.includes('reading\n')) {
    await Promise.race([once(child.stdout, 'data'), exited.then(() => assert.fail(`reader exited early: ${output}`))]);
  }
  for (let n = 1; n <= 200; n++) {
    await writeAtomic(dir, fileSetFrom(versionFiles(n)));
  }
  child.stdin.end();
  const [code] = await exited;
  assert.equal(code, 0);
  const report = JSON.parse(output.split('\n').filter(Boolean).at(-1) ?? '{}') as { reads: number; busy: number; seen: number; problems: string[] };
  t.diagnostic(`reads ${report.reads}, versions seen ${report.seen}, told to retry ${report.busy}`);
  assert.deepEqual(report.problems, []);
  assert.ok(report.seen > 10, `the reader saw ${report.seen} versions in ${report.reads} reads: it raced the writer`);
  await checkVolumeContents(dir, fileSetFrom(versionFiles(200)));
});

describe('a failing write leaves the previous version live (real ENOSPC on a tmpfs)', () => {
  const v1 = fileSetFrom({ 'a.conf': 'v1', 'b.conf': 'v1' });
  const v2 = fileSetFrom({ 'a.conf': 'v2', 'b.conf': 'v2' });

  async function assertFailsIntact(dir: string, payload: FileSet, at: RegExp): Promise<void> {
    const before = (await readdir(dir)).sort();
    await assert.rejects(writeAtomic(dir, payload), (error: unknown) => {
      assert.ok(error instanceof HotcycleError, String(error));
      assert.equal(error.code, 'EWRITE');
      assert.equal(error.detail, 'ENOSPC');
      assert.match(error.message, at);
      return true;
    });
    assert.deepEqual((await readdir(dir)).sort(), before, 'nothing left behind');
    await checkVolumeContents(dir, v1);
  }

  test('(6) a payload bigger than the filesystem', async (t) => {
    const fs = await mountTmpfs({ size: '64k' });
    t.after(() => fs.close());
    await writeAtomic(fs.dir, v1);
    await assertFailsIntact(fs.dir, fileSetFrom({ 'a.conf': 'v2', 'big.bin': Buffer.alloc(256 * 1024, 1) }), /ENOSPC: no space left on device, write/);
    await writeAtomic(fs.dir, v2);
    await checkVolumeContents(fs.dir, v2);
  });

  // No inode left for: (5) the version directory, (6) the second file, (8) the `..data_tmp` link.
  const cases = [
    { step: 5, spare: 0, at: /creating the version directory failed \(the previous version is still live\).*mkdtemp/ },
    { step: 6, spare: 2, at: /ENOSPC: no space left on device, open '.*b\.conf'/ },
    { step: 8, spare: 3, at: /ENOSPC: no space left on device, symlink/ },
  ];
  for (const { step, spare, at } of cases) {
    test(`(${step}) out of inodes`, async (t) => {
      const fs = await mountTmpfs({ size: '1m', inodes: 64 });
      t.after(() => fs.close());
      const live = path.join(fs.dir, 'live');
      await mkdir(live);
      await writeAtomic(live, v1);
      const release = await fs.useInodes(spare);
      await assertFailsIntact(live, v2, at);
      await release();
      await writeAtomic(live, v2);
      await checkVolumeContents(live, v2);
    });
  }
});
