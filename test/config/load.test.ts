import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../../src/config/error.ts';
import { checkHotcycleConfig, findConfigFile, loadHotcycleConfig, parseHotcycleConfig, selectConfigFile } from '../../src/config/load.ts';
import { positionOf } from './position.ts';

const FULL = `listeners:
  - name: http
    address: "127.0.0.1:8080"
  - { name: admin, address: "unix:/run/app/admin.sock" }
workers:
  count: 2
  command: ["node", "server.js"]
  cwd: app
  env: { LOG_LEVEL: info }
  readiness: { mode: settle, delayMs: 750 }
  shutdown: { signal: SIGQUIT, timeoutMs: 5000 }
  restart: { backoffMs: 200, maxBackoffMs: 4000 }
checks:
  schemas:
    - { files: "conf/*.json", schema: "schemas/app.schema.json" }
  nginx: { files: ["*.conf"] }
  commands:
    - { command: ["promtool", "check", "config", "prometheus.yml"], timeoutMs: 9000 }
`;

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

function assertDeeplyFrozen(value: unknown, path = 'config'): void {
  if (value === null || typeof value !== 'object') return;
  assert.ok(Object.isFrozen(value), `${path} is frozen`);
  for (const [key, child] of Object.entries(value)) assertDeeplyFrozen(child, `${path}.${key}`);
}

describe('parseHotcycleConfig: valid configs', () => {
  test('a minimal config gets every default, deeply frozen', () => {
    const config = parseHotcycleConfig('workers:\n  command: [node, server.js]\n');
    assert.deepEqual(config, {
      listeners: [],
      workers: {
        count: 1, command: ['node', 'server.js'], cwd: '.', env: {},
        readiness: { mode: 'notify', timeoutMs: 10_000 },
        shutdown: { signal: 'SIGTERM', timeoutMs: 30_000 },
        restart: { backoffMs: 100, maxBackoffMs: 10_000 },
      },
      // No nginx section unless hotcycle.yaml has one (it asks for the nginx check with any driver).
      checks: { schemas: [], commands: [] },
    });
    assertDeeplyFrozen(config);
    assert.throws(() => { (config.workers.command as string[]).push('x'); }, TypeError);
  });

  test('a full config keeps every value, globs become lists', () => {
    const config = parseHotcycleConfig(FULL);
    assert.deepEqual(config.listeners, [
      { name: 'http', address: '127.0.0.1:8080', listen: { kind: 'tcp', host: '127.0.0.1', port: 8080, family: 4 }, key: 'tcp:127.0.0.1:8080' },
      { name: 'admin', address: 'unix:/run/app/admin.sock', listen: { kind: 'unix', path: '/run/app/admin.sock' }, key: 'unix:/run/app/admin.sock' },
    ]);
    assert.deepEqual(config.workers.readiness, { mode: 'settle', delayMs: 750 });
    assert.deepEqual(config.workers.shutdown, { signal: 'SIGQUIT', timeoutMs: 5000 });
    assert.deepEqual(config.workers.restart, { backoffMs: 200, maxBackoffMs: 4000 });
    assert.equal(config.workers.cwd, 'app');
    assert.deepEqual(config.checks.schemas, [{ files: ['conf/*.json'], schema: 'schemas/app.schema.json' }]);
    assert.deepEqual(config.checks.nginx, { files: ['*.conf'], includeRoots: [] });
    assert.deepEqual(config.checks.commands, [{ command: ['promtool', 'check', 'config', 'prometheus.yml'], timeoutMs: 9000 }]);
    assertDeeplyFrozen(config);
  });

  test('defaults inside partly given sections', () => {
    const config = parseHotcycleConfig(
      'workers:\n  command: [x]\n  readiness: { mode: settle }\n  restart: { backoffMs: 20000 }\nchecks:\n  commands: [{ command: [echo] }]\n');
    assert.deepEqual(config.workers.readiness, { mode: 'settle', delayMs: 500 });
    assert.deepEqual(config.workers.restart, { backoffMs: 20_000, maxBackoffMs: 20_000 });
    assert.deepEqual(config.checks.commands, [{ command: ['echo'], timeoutMs: 10_000 }]);
  });

  test('JSON is read by the same parser', () => {
    const config = parseHotcycleConfig('{\n\t"workers": {"command": ["node"], "count": 3}\n}\n', 'hotcycle.json');
    assert.equal(config.workers.count, 3);
  });
});

describe('parseHotcycleConfig: errors', () => {
  test('throws a ConfigError carrying every diagnostic', () => {
    const text = 'workers:\n  count: two\n  comand: [node]\n';
    const error = catchError(() => parseHotcycleConfig(text));
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'ECONFIG');
    assert.equal(error.phase, 'config');
    assert.equal(error.message, 'hotcycle.yaml: invalid configuration (3 errors)');
    assert.deepEqual(error.diagnostics.map((d) => d.message), [
      'workers.command: missing required field (expected a non-empty list of non-empty strings)',
      'workers.count: expected an integer between 1 and 1024, got "two"',
      'workers.comand: unknown field; did you mean `command`?',
    ]);
    const { line, column } = positionOf(text, 'two');
    assert.equal(error.detail?.split('\n')[1], `hotcycle.yaml:${line}:${column}: workers.count: expected an integer between 1 and 1024, got "two"`);
    assert.deepEqual(error.toJSON().phase, 'config');
  });

  test('one error is counted in the singular', () => {
    assert.throws(() => parseHotcycleConfig('workers: 1\n', 'x.yaml'), { message: 'x.yaml: invalid configuration (1 error)' });
  });

  test('a valid config has no diagnostics', () => {
    assert.deepEqual(checkHotcycleConfig(FULL), []);
  });
});

describe('finding and loading the config file', () => {
  let root = '';
  before(async () => { root = await mkdtemp(path.join(os.tmpdir(), 'hotcycle-config-')); });
  after(async () => { await rm(root, { recursive: true, force: true }); });

  async function dirWith(name: string, files: Record<string, string>): Promise<string> {
    const dir = path.join(root, name);
    await mkdir(dir);
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
    return dir;
  }

  test('loads hotcycle.yaml and returns its path and text', async () => {
    const text = 'workers:\n  command: [node]\n';
    const dir = await dirWith('yaml', { 'hotcycle.yaml': text, 'app.json': '{}' });
    const loaded = await loadHotcycleConfig(dir);
    assert.equal(loaded.file, path.join(dir, 'hotcycle.yaml'));
    assert.equal(loaded.text, text);
    assert.deepEqual(loaded.config.workers.command, ['node']);
  });

  test('accepts hotcycle.yml and hotcycle.json', async () => {
    const yml = await dirWith('yml', { 'hotcycle.yml': 'workers: { command: [a] }\n' });
    const json = await dirWith('json', { 'hotcycle.json': '{"workers": {"command": ["b"]}}' });
    assert.equal(await findConfigFile(yml), path.join(yml, 'hotcycle.yml'));
    assert.deepEqual((await loadHotcycleConfig(json)).config.workers.command, ['b']);
  });

  test('follows the ConfigMap volume layout (a symlink into ..data)', async () => {
    const dir = await dirWith('configmap', {});
    await mkdir(path.join(dir, '..2024_01_01'));
    await writeFile(path.join(dir, '..2024_01_01', 'hotcycle.yaml'), 'workers: { command: [c] }\n');
    await symlink('..2024_01_01', path.join(dir, '..data'));
    await symlink(path.join('..data', 'hotcycle.yaml'), path.join(dir, 'hotcycle.yaml'));
    assert.deepEqual((await loadHotcycleConfig(dir)).config.workers.command, ['c']);
  });

  test('two config files in one directory are an error naming both', async () => {
    const dir = await dirWith('two', { 'hotcycle.yaml': 'workers: { command: [a] }', 'hotcycle.json': '{}' });
    await assert.rejects(loadHotcycleConfig(dir), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'ECONFIG');
      assert.match(error.message, /hotcycle\.yaml and hotcycle\.json both exist in .*two: keep exactly one/);
      assert.deepEqual(error.diagnostics.map((d) => d.file), ['hotcycle.yaml', 'hotcycle.json']);
      return true;
    });
  });

  test('a missing file is an error naming the directory and the accepted names', async () => {
    const dir = await dirWith('none', { 'nginx.conf': '' });
    await assert.rejects(findConfigFile(dir), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'ENOCONFIG');
      assert.equal(error.message, `no config file in ${dir}: expected one of hotcycle.yaml, hotcycle.yml, hotcycle.json`);
      return true;
    });
  });

  test('a missing directory is an ENOCONFIG error keeping the cause', async () => {
    await assert.rejects(findConfigFile(path.join(root, 'absent')), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'ENOCONFIG');
      assert.match(error.message, /cannot read config directory .*absent: ENOENT/);
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOENT');
      return true;
    });
  });

  test('an invalid file reports diagnostics relative to the config set', async () => {
    const dir = await dirWith('invalid', { 'hotcycle.yaml': 'workers:\n  count: 0\n  command: [a]\n' });
    await assert.rejects(loadHotcycleConfig(dir), { code: 'ECONFIG', detail: 'hotcycle.yaml:2:10: workers.count: expected an integer between 1 and 1024, got 0' });
  });

  test('selectConfigFile works on a list of names (the sidecar\'s in-memory file set)', () => {
    assert.equal(selectConfigFile(['a.conf', 'hotcycle.json']), 'hotcycle.json');
    assert.throws(() => selectConfigFile([]), { code: 'ENOCONFIG', message: /no config file in the config set/ });
  });
});
