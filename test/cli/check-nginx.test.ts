// `hotcycle check --driver nginx` as a user runs it on the layouts issue 25 names: nginx's stock
// conf/ directory, a conf.d set of one site file, OpenResty Lua blocks, and hotcycle.yaml's
// `checks.nginx` without `workers`. The real command, on real directories; exit codes and the
// lines it prints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CLI } from '../helpers/master.ts';
import { REAL_DIR } from '../fixtures/nginx/real/corpus.ts';

const exec = promisify(execFile);

async function check(dir: string, ...flags: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await exec(process.execPath, [CLI, 'check', dir, '--driver', 'nginx', ...flags]);
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('hotcycle check --driver nginx on real layouts', () => {
  let root = '';
  const dir = async (name: string, files: Record<string, string>): Promise<string> => {
    const base = join(root, name);
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(base, file)), { recursive: true });
      await writeFile(join(base, file), text);
    }
    return base;
  };
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hotcycle-check-nginx-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  test('nginx\'s stock conf/ directory is valid; fastcgi.conf, which nginx.conf names only in a comment, is a notice', async () => {
    const stock = join(root, 'stock');
    await cp(join(REAL_DIR, 'nginx/conf'), stock, { recursive: true, filter: (src) => !src.endsWith('case.json') });
    const { code, stdout } = await check(stock);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^fastcgi\.conf: notice: nginx does not read this file \(nothing includes it from nginx\.conf\): checked for syntax only$/m);
    assert.match(stdout, /is valid \(\d+ ms, 1 notice\)$/m);
  });

  test('a directory holding only default.conf with server { } is valid, read inside http { }, and says so', async () => {
    const site = await dir('confd', { 'default.conf': 'server {\n    listen 80;\n    location / { root /usr/share/nginx/html; }\n}\n' });
    const { code, stdout } = await check(site);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^default\.conf: notice: read inside http \{ \} as nginx's stock nginx\.conf reads conf\.d\/\*\.conf: the set has no nginx\.conf$/m);
    // Still judged: a directive in the wrong context of that file is refused at its place.
    const wrong = await dir('confd-wrong', { 'default.conf': 'server {\n    listen 80;\n    location / {\n        worker_processes 2;\n    }\n}\n' });
    const refused = await check(wrong);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /^default\.conf:4:9: "worker_processes" directive is not allowed here$/m);
  });

  test('content_by_lua_block { ngx.say("}") } is valid; a missing ";" next to it is refused at its line and column', async () => {
    const main = (body: string): string => `events {}\nhttp {\n  server {\n    listen 8080;\n    location / {\n${body}\n    }\n  }\n}\n`;
    const good = await dir('lua', { 'nginx.conf': main('      content_by_lua_block { ngx.say("}") }') });
    assert.equal((await check(good)).code, 0);
    const bad = await dir('lua-bad', { 'nginx.conf': main('      content_by_lua_block { ngx.say("}") }\n      default_type text/plain\n      add_header X-A b;') });
    const refused = await check(bad);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /^nginx\.conf:7:7: invalid number of arguments in "default_type" directive$/m);
  });

  test('checks.nginx in hotcycle.yaml works under the nginx driver without workers; a typo in it is still located', async () => {
    const files = { 'hotcycle.yaml': 'checks:\n  nginx:\n    files: [site.conf]\n    context: http\n', 'site.conf': 'server { listen 80; }\n' };
    const { code, stdout } = await check(await dir('yaml', files));
    assert.equal(code, 0, stdout);
    const typo = await check(await dir('yaml-typo', { ...files, 'hotcycle.yaml': 'checks:\n  nginx:\n    context: htp\n' }));
    assert.equal(typo.code, 1);
    assert.match(typo.stdout, /^hotcycle\.yaml:3:14: checks\.nginx\.context: /m);
  });

  test('--nginx-conf names the main config; one the set lacks is refused, --include-root maps absolute includes', async () => {
    const files = { 'main.conf': 'events {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n', 'conf.d/a.conf': 'server {\n  listen;\n}\n' };
    const base = await dir('flags', files);
    const rooted = await check(base, '--nginx-conf', 'main.conf', '--include-root', '/etc/nginx');
    assert.equal(rooted.code, 1);
    assert.match(rooted.stdout, /^conf\.d\/a\.conf:2:3: invalid number of arguments in "listen" directive$/m);
    const outside = await check(base, '--nginx-conf', 'main.conf');
    assert.equal(outside.code, 0, outside.stdout);
    assert.match(outside.stdout, /^main\.conf:2:16: notice: include "\/etc\/nginx\/conf\.d\/\*\.conf" is outside the config set: left to nginx -t$/m);
    const missing = await check(base, '--nginx-conf', 'nginx.conf');
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /^nginx\.conf: the main config nginx\.conf is not in the config set: nginx could not start on it$/m);
    assert.equal((await check(base, '--include-root', 'etc/nginx')).code, 2);
  });
});
