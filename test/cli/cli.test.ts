// The hotcycle command as a user runs it: help on every command, exit codes that scripts
// can trust (0 ok, 1 failed, 2 usage, 3 socket unreachable), messages that say what to do.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI } from '../helpers/master.ts';

const exec = promisify(execFile);
async function hotcycle(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('hotcycle --help lists every command; no command is a usage error', async () => {
  const help = await hotcycle('--help');
  assert.equal(help.code, 0);
  for (const name of ['master', 'reload', 'status', 'check']) assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'));
  assert.equal((await hotcycle()).code, 2);
});

for (const name of ['master', 'reload', 'status', 'check']) {
  test(`hotcycle ${name} --help explains its options and their environment variables`, async () => {
    const { code, stdout } = await hotcycle(name, '--help');
    assert.equal(code, 0);
    assert.match(stdout, new RegExp(`^Usage: hotcycle ${name}`));
    assert.match(stdout, /-h, --help/);
    if (name !== 'check') assert.match(stdout, /HOTCYCLE_MASTER_SOCKET/);
  });
}

test('unknown commands and options are usage errors (exit 2) that point at --help', async () => {
  const unknown = await hotcycle('relaod');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "relaod"/);
  const option = await hotcycle('status', '--sokcet', '/x');
  assert.equal(option.code, 2);
  assert.match(option.stderr, /--sokcet.*hotcycle status --help/);
});

test('sidecar timing flags: a maximum debounce below the debounce is a usage error', async () => {
  const bad = await hotcycle('sidecar', '--debounce-ms', '500', '--debounce-max-ms', '100');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--debounce-max-ms must be a whole number of milliseconds ≥ 500, not "100"/);
  const help = await hotcycle('sidecar', '--help');
  assert.match(help.stdout, /--debounce-max-ms MS .*\(env HOTCYCLE_DEBOUNCE_MAX_MS; default 5000\)/);
});

test('sidecar sources: bad names, a second root and a name a root entry has are usage errors; --help explains them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hotcycle-cli-sources-'));
  try {
    await mkdir(join(dir, 'tls'));
    await writeFile(join(dir, 'tls', 'tls.crt'), 'a root directory named like the source');
    const cases: [string[], RegExp][] = [
      [['--source', dir, '--source', '=/x'], /--source =\/x: expected NAME=DIR/],
      [['--source', dir, '--secret-source', '/x'], /--secret-source \/x: expected NAME=DIR/],
      [['--source', dir, '--secret-source', '..data=/x'], /source name "\.\.data" must not be "\." or start with "\.\."/],
      [['--source', dir, '--source', 'x=/a', '--secret-source', 'x=/b'], /source name "x" is given twice/],
      [['--source', dir, '--source', '/other'], /--source DIR is given 2 times/],
      [['--source', dir, '--secret-source', `tls=${dir}/x`], /source name "tls" collides with tls in the root source/],
    ];
    for (const [args, message] of cases) {
      const bad = await hotcycle('sidecar', ...args);
      assert.equal(bad.code, 2, args.join(' '));
      assert.match(bad.stderr, message);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const help = await hotcycle('sidecar', '--help');
  assert.match(help.stdout, /--source NAME=DIR +add a source whose files appear under NAME\//);
  assert.match(help.stdout, /--secret-source NAME=DIR +the same for a Secret volume/);
  assert.match(help.stdout, /--tls-expiry-warning-days DAYS .*\(env HOTCYCLE_TLS_EXPIRY_WARNING_DAYS; default 14\)/);
});

test('an unreachable socket exits 3 and says what to check', async () => {
  const { code, stderr } = await hotcycle('status', '--socket', '/nonexistent/master.sock');
  assert.equal(code, 3);
  assert.match(stderr, /cannot reach \/nonexistent\/master\.sock: no socket there: is it running, and is --socket right\?/);
});

test('check on a missing directory fails with a message naming it', async () => {
  const { code, stdout } = await hotcycle('check', '/nonexistent/config');
  assert.equal(code, 1);
  assert.match(stdout, /\/nonexistent\/config/);
});
