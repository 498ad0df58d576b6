import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileFollower } from '../../../../src/master/drivers/nginx/follow.ts';

describe('FileFollower', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'hotcycle-follow-')); });
  after(() => rm(dir, { recursive: true, force: true }));

  test('starts at the end; returns whole lines; holds a partial one', async () => {
    const path = join(dir, 'a.log');
    await writeFile(path, 'old\n');
    const follower = new FileFollower(path);
    await follower.start();
    assert.deepEqual(await follower.poll(), []);
    await appendFile(path, 'one\ntw');
    assert.deepEqual(await follower.poll(), ['one']);
    await appendFile(path, 'o\n');
    assert.deepEqual(await follower.poll(), ['two']);
  });

  test('a file that appears, is replaced, or is truncated is read from its start', async () => {
    const path = join(dir, 'b.log');
    const follower = new FileFollower(path);
    await follower.start();
    assert.deepEqual(await follower.poll(), []);
    await writeFile(path, 'first\n');
    assert.deepEqual(await follower.poll(), ['first']);
    await writeFile(join(dir, 'b.new'), 'fresh\n');
    await rename(join(dir, 'b.new'), path);
    assert.deepEqual(await follower.poll(), ['fresh']);
    await truncate(path, 0);
    await appendFile(path, 'x\n');
    assert.deepEqual(await follower.poll(), ['x']);
  });
});
