import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseTestOutput, readBuildDefaults, runNginxTest } from '../../../../src/master/drivers/nginx/check.ts';
import { parseNginxCommand } from '../../../../src/master/drivers/nginx/command.ts';
import { assertNginxInstalled, NGINX } from '../../../fixtures/nginx-driver/harness.ts';

describe('parseTestOutput', () => {
  test('[emerg] lines become file:line diagnostics relative to the config dir', () => {
    const stderr = 'nginx: [warn] conflicting server name "a" on 0.0.0.0:80, ignored\n' +
      'nginx: [emerg] unknown directive "foo" in /live/conf.d/app.conf:7\nnginx: configuration file /live/nginx.conf test failed\n';
    assert.deepEqual(parseTestOutput(stderr, 1, '/live', '/live/nginx.conf'), {
      ok: false,
      diagnostics: [{ file: 'conf.d/app.conf', line: 7, column: 0, message: 'unknown directive "foo"', source: 'nginx' }],
      warnings: ['conflicting server name "a" on 0.0.0.0:80, ignored'],
    });
  });
  test('a failure without a location names the main file; outside paths stay absolute', () => {
    assert.deepEqual(parseTestOutput('nginx: [emerg] no "events" section in configuration\n', 1, '/live', '/live/nginx.conf').diagnostics,
      [{ file: 'nginx.conf', line: 0, column: 0, message: 'no "events" section in configuration', source: 'nginx' }]);
    assert.equal(parseTestOutput('nginx: [emerg] x in /etc/nginx/mime.types:3\n', 1, '/live', '/live/nginx.conf').diagnostics[0]?.file, '/etc/nginx/mime.types');
    assert.deepEqual(parseTestOutput('', 0, '/live', '/live/nginx.conf'), { ok: true, diagnostics: [], warnings: [] });
  });
});

describe('runNginxTest (real nginx)', () => {
  let dir: string;
  before(async () => {
    assertNginxInstalled();
    dir = await mkdtemp(join(tmpdir(), 'hotcycle-nginx-check-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const run = async (text: string) => {
    await writeFile(join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\nevents {}\n${text}`);
    const command = parseNginxCommand([NGINX, '-p', `${dir}/`, '-e', join(dir, 'error.log'), '-g', 'daemon off;', '-c', join(dir, 'nginx.conf')]);
    return runNginxTest(command, dir, join(dir, 'nginx.conf'), 10_000);
  };

  test('a valid file passes', async () => {
    assert.deepEqual((await run('http { }')).diagnostics, []);
  });
  test('an unknown directive is ENGINXCHECK with nginx\'s message at file:line', async () => {
    await assert.rejects(run('http {\n  bogus on;\n}'), (e: Error & { code: string; phase: string }) =>
      e.code === 'ENGINXCHECK' && e.phase === 'check' && e.message === 'nginx.conf:4:1: unknown directive "bogus"');
  });
  test('a missing include names the file nginx could not open', async () => {
    await assert.rejects(run(`include ${dir}/none.conf;`), /open\(\) ".*none\.conf" failed \(2: No such file or directory\)/);
  });
  test("nginx -V gives Debian's compiled-in paths", async () => {
    assert.deepEqual(await readBuildDefaults(NGINX), { prefix: '/usr/share/nginx', confPath: '/etc/nginx/nginx.conf', errorLogPath: 'stderr' });
  });
});
