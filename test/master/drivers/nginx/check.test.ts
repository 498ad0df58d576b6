import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileSetFrom, type FileSet } from '../../../../src/configset/fileset.ts';
import { formatDiagnostic } from '../../../../src/diagnostic.ts';
import { secretFilesIn } from '../../../../src/configset/sources.ts';
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
      warnings: [{ file: 'nginx.conf', line: 0, column: 0, message: 'conflicting server name "a" on 0.0.0.0:80, ignored', source: 'nginx' }],
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

  const run = async (text: string, tested: { files: FileSet; secretFiles: string[] } = { files: new Map(), secretFiles: [] }) => {
    await writeFile(join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\nevents {}\n${text}`);
    const command = parseNginxCommand([NGINX, '-p', `${dir}/`, '-e', join(dir, 'error.log'), '-g', 'daemon off;', '-c', join(dir, 'nginx.conf')]);
    return runNginxTest(command, dir, join(dir, 'nginx.conf'), 10_000, tested);
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
  test('a Secret file (unreadable by others, as the publisher writes it) is named, never quoted', async () => {
    const marker = 's3cr3t_0123456789';
    const secret = `${marker} on;\n`;
    await mkdir(join(dir, 'auth'), { recursive: true });
    await writeFile(join(dir, 'auth', 'auth.conf'), secret);
    await chmod(join(dir, 'auth', 'auth.conf'), 0o640);
    await writeFile(join(dir, 'open.conf'), 'open_file_cache off;\n');
    const files = fileSetFrom({ 'auth/auth.conf': secret, 'open.conf': 'open_file_cache off;\n' });
    const secretFiles = await secretFilesIn(dir, files);
    assert.deepEqual(secretFiles, ['auth/auth.conf']);
    const failure = await run(`http {\n  include ${dir}/auth/auth.conf;\n}`, { files, secretFiles }).then(() => assert.fail('nginx -t must fail'), (e: Error & { detail?: string }) => e);
    assert.equal(failure.message, 'auth/auth.conf:1:1: nginx check failed here (message withheld: the file is from a Secret source)');
    assert.ok(!`${failure.message}\n${failure.detail}`.includes(marker), 'the token nginx quotes is withheld');
    // The same file readable by others is not a Secret's: nginx's message stands.
    await chmod(join(dir, 'auth', 'auth.conf'), 0o644);
    const plain = await run(`http {\n  include ${dir}/auth/auth.conf;\n}`, { files, secretFiles: await secretFilesIn(dir, files) }).then(() => assert.fail('nginx -t must fail'), (e: Error) => e);
    assert.equal(plain.message, `auth/auth.conf:1:1: unknown directive "${marker}"`);
  });
  /** A Secret file (mode 0640, as the publisher writes one) at `name` holding `text`. */
  const secretFile = async (name: string, text: string): Promise<{ files: FileSet; secretFiles: string[] }> => {
    await mkdir(join(dir, 'tls'), { recursive: true });
    await writeFile(join(dir, name), text);
    await chmod(join(dir, name), 0o640);
    const files = fileSetFrom({ [name]: text });
    return { files, secretFiles: await secretFilesIn(dir, files) };
  };
  test('a certificate path from a Secret file that nginx cannot load: [secret] in place of the path, placed at the Secret file\'s line', async () => {
    const token = 'tok3n4f9c2e71b0d';
    const tested = await secretFile('tls/snippet.conf', `ssl_certificate ${dir}/tls/${token}.crt;\nssl_certificate_key ${dir}/tls/${token}.key;\n`);
    const failure = await run(`http {\n  server {\n    include ${dir}/tls/snippet.conf;\n  }\n}`, tested).then(() => assert.fail('nginx -t must fail'), (e: Error & { detail?: string }) => e);
    assert.match(failure.message, /^tls\/snippet\.conf:1:17: cannot load certificate "\[secret\]": BIO_new_file\(\) failed/);
    assert.ok(!`${failure.message}\n${failure.detail}`.includes(token), 'the path nginx quotes (twice: its own words, OpenSSL\'s) is replaced');
  });
  test('warnings quoting a Secret value are redacted too (they become log lines)', async () => {
    const host = 'tok3n-host.example';
    const tested = await secretFile('tls/names.conf', `server_name ${host};\n`);
    const server = `server { listen 127.0.0.1:1; include ${dir}/tls/names.conf; }`;
    const { warnings } = await run(`http {\n  ${server}\n  ${server}\n}`, tested);
    assert.deepEqual(warnings.map(formatDiagnostic), ['tls/names.conf:1:13: conflicting server name "[secret]" on 127.0.0.1:1, ignored']);
  });
  test("nginx -V gives Debian's compiled-in paths", async () => {
    assert.deepEqual(await readBuildDefaults(NGINX), { prefix: '/usr/share/nginx', confPath: '/etc/nginx/nginx.conf', errorLogPath: 'stderr' });
  });
});
