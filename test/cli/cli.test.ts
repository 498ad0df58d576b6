// The hotcycle command as a user runs it: help on every command, exit codes that scripts
// can trust (0 ok, 1 failed, 2 usage, 3 socket unreachable), messages that say what to do.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
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
