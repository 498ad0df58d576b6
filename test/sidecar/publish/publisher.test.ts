import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HotcycleError } from '../../../src/errors.ts';
import { fileSetFrom, fileSetsEqual, hashFileSet, readFileSet, type FileSet } from '../../../src/configset/fileset.ts';
import { Publisher } from '../../../src/sidecar/publish/publisher.ts';
import { mountTmpfs } from '../../helpers/tmpfs.ts';
import { Scratch } from '../../helpers/scratch.ts';

const scratch = Scratch.forFile('hotcycle-publish-');

async function freshDir(): Promise<string> {
  const dir = await scratch.dir();
  return dir;
}

function version(n: number): { set: FileSet; hash: string } {
  const set = fileSetFrom({ 'hotcycle.yaml': `version: ${n}\n`, [`only-in-${n}.conf`]: String(n) });
  return { set, hash: hashFileSet(set) };
}

async function assertLive(dir: string, expected: FileSet): Promise<void> {
  assert.ok(fileSetsEqual(await readFileSet(dir), expected), 'live directory holds the expected version');
}

function hasCode(code: string): (error: unknown) => boolean {
  return (error) => error instanceof HotcycleError && error.code === code && error.phase === 'publish';
}

describe('Publisher', () => {
  test('publishes, then restores the version before when the master rejects the new one', async () => {
    const dir = await freshDir();
    const publisher = await Publisher.open(dir);
    assert.equal(publisher.current(), null);
    const [v1, v2] = [version(1), version(2)];

    assert.deepEqual(await publisher.publish(v1.set, v1.hash), { changed: true });
    assert.equal(publisher.previous(), null);
    assert.deepEqual(await publisher.publish(v2.set, v2.hash), { changed: true });
    assert.equal(publisher.current()?.hash, v2.hash);
    assert.equal(publisher.previous()?.hash, v1.hash);
    await assertLive(dir, v2.set);

    assert.equal(await publisher.restorePrevious(), v1.hash);
    await assertLive(dir, v1.set);
    assert.equal(publisher.current()?.hash, v1.hash);
    assert.equal(await publisher.restorePrevious(), null, 'only one step back');
    await assertLive(dir, v1.set);
    await publisher.close();
  });

  test('publishing the live version again changes nothing and keeps the way back', async () => {
    const dir = await freshDir();
    const publisher = await Publisher.open(dir);
    const [v1, v2] = [version(1), version(2)];
    await publisher.publish(v1.set, v1.hash);
    await publisher.publish(v2.set, v2.hash);
    assert.deepEqual(await publisher.publish(v2.set, v2.hash), { changed: false });
    assert.equal(publisher.previous()?.hash, v1.hash);
    await publisher.close();
  });

  test('refuses a hash that does not match the set', async () => {
    const publisher = await Publisher.open(await freshDir());
    await assert.rejects(publisher.publish(version(1).set, version(2).hash), hasCode('EHASH'));
    assert.equal(publisher.current(), null);
  });

  test('after a restart, the version already live is current', async () => {
    const dir = await freshDir();
    const first = await Publisher.open(dir);
    const v1 = version(1);
    await first.publish(v1.set, v1.hash);
    await first.close();
    const second = await Publisher.open(dir);
    assert.equal(second.current()?.hash, v1.hash);
    assert.deepEqual(await second.publish(v1.set, v1.hash), { changed: false });
  });

  test('a live directory that holds no version counts as empty', async () => {
    const dir = await freshDir();
    await writeFile(path.join(dir, 'leftover.txt'), 'x');
    assert.equal((await Publisher.open(dir)).current(), null);
  });

  test('needs the live directory to exist', async () => {
    await assert.rejects(Publisher.open(scratch.path('missing')), hasCode('ENOTARGET'));
  });

  test('serializes concurrent publishes; the last one wins', async () => {
    const dir = await freshDir();
    const publisher = await Publisher.open(dir);
    const versions = Array.from({ length: 20 }, (_, i) => version(i));
    await Promise.all(versions.map((v) => publisher.publish(v.set, v.hash)));
    await assertLive(dir, versions[19]?.set ?? fileSetFrom({}));
    assert.equal(publisher.previous()?.hash, versions[18]?.hash);
    assert.equal((await readdir(dir)).filter((e) => e.startsWith('..2')).length, 1);
  });

  test('close waits for the write in progress, is idempotent, and refuses later calls', async () => {
    const dir = await freshDir();
    const publisher = await Publisher.open(dir);
    const v1 = version(1);
    const pending = publisher.publish(v1.set, v1.hash);
    await Promise.all([publisher.close(), publisher.close()]);
    assert.deepEqual(await pending, { changed: true });
    await assertLive(dir, v1.set);
    await assert.rejects(publisher.publish(v1.set, v1.hash), hasCode('ECLOSED'));
    await assert.rejects(publisher.restorePrevious(), hasCode('ECLOSED'));
    await publisher.close();
  });

  test('a failed publish (real ENOSPC) keeps the live version and the state', async (t) => {
    const fs = await mountTmpfs({ size: '1m', inodes: 64 });
    t.after(() => fs.close());
    const live = path.join(fs.dir, 'live');
    await mkdir(live);
    const publisher = await Publisher.open(live);
    const [v1, v2] = [version(1), version(2)];
    await publisher.publish(v1.set, v1.hash);
    const release = await fs.useInodes(0);
    await assert.rejects(publisher.publish(v2.set, v2.hash), hasCode('EWRITE'));
    assert.equal(publisher.current()?.hash, v1.hash);
    assert.equal(publisher.previous(), null);
    await assertLive(live, v1.set);
    await release();
    assert.deepEqual(await publisher.publish(v2.set, v2.hash), { changed: true });
    await publisher.close();
  });
});
