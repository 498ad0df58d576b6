// Issue 11, acceptance 1: both images build from a clean checkout with the project's command
// (`npm run images`), and `hotcycle --help` runs in each as uid 1000 on a read-only root
// filesystem. The test set-up (scripts/test.sh) has built them already, so the clean build
// here runs on buildah's warm layer cache and must end with the same images. The clean checkout
// is a clone of HEAD: on a tree with uncommitted changes to the images' inputs, it re-tags the
// :dev images with HEAD's build (CI runs on a clean clone, where the two are the same).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ROOT } from '../charts/k8s-tools.ts';
import { IMAGES, podman, podmanOk, requireImages, runProgram, type Ran } from './podman.ts';

const STAMP = '{{index .Labels "dev.hotcycle.stamp"}}';

async function labelOf(image: string): Promise<string> {
  return (await podmanOk(['image', 'inspect', '--format', STAMP, image])).trim();
}

/** The stamp scripts/lib/containers.sh computes for a checkout: what its images are built from. */
async function stampOf(checkout: string): Promise<string> {
  const ran = await runProgram('bash', ['-c', 'ROOT=$1; source "$1/scripts/lib/containers.sh" && images_stamp', '_', checkout]);
  assert.equal(ran.code, 0, ran.stderr);
  return ran.stdout.trim();
}

function runAsUser(image: string, options: string[], args: string[]): Promise<Ran> {
  return podman(['run', '--rm', '--pull', 'never', '--network', 'none', '--read-only', '--read-only-tmpfs=false',
    '--user', '1000:1000', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', ...options, image, ...args]);
}

describe('the images', () => {
  const scratch: string[] = [];
  after(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

  test('build from a clean checkout with `npm run images`', async (t) => {
    await requireImages(IMAGES.hotcycle, IMAGES.nginx);
    const dir = await mkdtemp(join(tmpdir(), 'hotcycle-clean-'));
    scratch.push(dir);
    const clone = await runProgram('git', ['clone', '--quiet', '--no-hardlinks', ROOT, join(dir, 'src')]);
    assert.equal(clone.code, 0, clone.stderr);
    const started = Date.now();
    const built = await runProgram('npm', ['run', '--prefix', join(dir, 'src'), 'images', '--', '--force'], 900_000);
    t.diagnostic(`npm run images -- --force in a clean clone: ${Date.now() - started} ms`);
    assert.equal(built.code, 0, `${built.stdout}\n${built.stderr}`.slice(-4000));
    const stamp = await stampOf(join(dir, 'src'));
    assert.match(stamp, /^[0-9a-f]{16}$/);
    for (const image of [IMAGES.hotcycle, IMAGES.nginx]) {
      assert.equal(await labelOf(image), stamp, `${image} is built from the clean checkout`);
    }
  });

  test('hotcycle --help runs in each as uid 1000 on a read-only root filesystem', async () => {
    const sidecar = await runAsUser(IMAGES.hotcycle, [], ['--help']);
    assert.equal(sidecar.code, 0, sidecar.stderr);
    assert.match(sidecar.stdout, /^hotcycle \d+\.\d+\.\d+/);
    const nginx = await runAsUser(IMAGES.nginx, ['--entrypoint', 'hotcycle'], ['--help']);
    assert.equal(nginx.code, 0, nginx.stderr);
    assert.match(nginx.stdout, /^hotcycle \d+\.\d+\.\d+/);
  });

  test('run as uid 1000 by default and ship the license notices of the bundle and the addon', async () => {
    for (const image of [IMAGES.hotcycle, IMAGES.nginx]) {
      assert.equal((await podmanOk(['image', 'inspect', '--format', '{{.Config.User}}', image])).trim(), '1000:1000', image);
      const listed = await podman(['run', '--rm', '--pull', 'never', '--network', 'none', '--read-only', '--entrypoint', 'sh', image, '-c', 'id -u && ls /opt/hotcycle']);
      assert.equal(listed.code, 0, listed.stderr);
      const [uid, ...files] = listed.stdout.trim().split('\n');
      assert.equal(uid, '1000', image);
      for (const notice of ['hotcycle.mjs.LEGAL.txt', 'hotcycle.node.LEGAL.txt']) assert.ok(files.includes(notice), `${image}: ${notice} in ${files.join(' ')}`);
    }
  });
});
