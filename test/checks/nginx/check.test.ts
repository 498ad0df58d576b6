import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../../src/diagnostic.ts';
import { checkNginx, entryFiles, type NginxCheckOptions } from '../../../src/checks/nginx/index.ts';
import { matchesGlob } from '../../../src/checks/nginx/glob.ts';
import { where } from '../../fixtures/nginx/where.ts';

function check(files: Record<string, string>, options: NginxCheckOptions = {}): string[] {
  return checkNginx(new Map(Object.entries(files)), options).map(formatDiagnostic);
}

const wrap = (body: string): string => `events {}\nhttp {\n${body}\n}\n`;

describe('checkNginx', () => {
  test('each grammar error with nginx wording at the directive', () => {
    const cases: [string, string, string][] = [
      ['server {\n  location / { listen 80; }\n}', 'listen 80', '"listen" directive is not allowed here'],
      ['server {\n  location / {\n    server { }\n  }\n}', 'server { }', '"server" directive is not allowed here'],
      ['server { listen; }', 'listen;', 'invalid number of arguments in "listen" directive'],
      ['server { location / { proxy_pass a b; } }', 'proxy_pass', 'invalid number of arguments in "proxy_pass" directive'],
      ['server { location / return 200; }', 'location', 'directive "location" has no opening "{"'],
      ['server { listen 80 { } }', 'listen', 'directive "listen" is not terminated by ";"'],
      ['map $a $b {\n  a b c;\n}', 'a b c', 'invalid number of the map parameters'],
      ['map $a $b {\n  a { }\n}', '{ }', 'unexpected "{"'],
    ];
    for (const [body, at, message] of cases) {
      const text = wrap(body);
      assert.deepEqual(check({ 'nginx.conf': text }), [`nginx.conf:${where(text, at)}: ${message}`], body);
    }
  });

  test('brace errors from the parser: stray "}" and end of file inside a block', () => {
    const stray = wrap('server { }\n}');
    assert.deepEqual(check({ 'nginx.conf': stray }), [`nginx.conf:${where(stray, '}', 3)}: unexpected "}"`]);
    const open = 'events {}\nhttp {\n  server {\n';
    assert.deepEqual(check({ 'nginx.conf': open }), ['nginx.conf:4:1: unexpected end of file, expecting "}"']);
  });

  test('collects independent errors, but stops a file after a block/terminator mix-up', () => {
    const text = wrap('listen 80;\nserver { server_name; }');
    assert.equal(check({ 'nginx.conf': text }).length, 2);
    const cascade = wrap('server\n  listen 80;\n  location / { }\n}');
    assert.deepEqual(check({ 'nginx.conf': cascade }), [`nginx.conf:${where(cascade, 'server')}: directive "server" has no opening "{"`]);
  });

  test('unknown directives: ignored by default, reported on request', () => {
    const text = wrap('server { lua_code_cache off; }');
    assert.deepEqual(check({ 'nginx.conf': text }), []);
    assert.deepEqual(check({ 'nginx.conf': text }, { unknownDirectives: 'error' }), [`nginx.conf:${where(text, 'lua_')}: unknown directive "lua_code_cache"`]);
  });

  test('free-form blocks: types, map, geo, split_clients entries are not directives', () => {
    const text = wrap('types { text/html html htm; }\nmap $a $b { hostnames; default 0; }\ngeo $g { ranges; default 0; }\nsplit_clients $a $s { 50% a; * b; }');
    assert.deepEqual(check({ 'nginx.conf': text }, { unknownDirectives: 'error' }), []);
  });

  test('stream contexts', () => {
    const text = 'events {}\nstream {\n  upstream db { server 127.0.0.1:5432; }\n  server { listen 15432; proxy_pass db; }\n}\n';
    assert.deepEqual(check({ 'nginx.conf': text }, { unknownDirectives: 'error' }), []);
    const bad = 'events {}\nstream {\n  server { location / { } }\n}\n';
    assert.deepEqual(check({ 'nginx.conf': bad }), [`nginx.conf:${where(bad, 'location')}: "location" directive is not allowed here`]);
  });

  test('includes are checked in the including context, with the included file named', () => {
    const files = { 'nginx.conf': wrap('include conf.d/*.conf;'), 'conf.d/a.conf': 'server {\n  listen;\n}\n', 'conf.d/b.conf': 'server { }\n' };
    assert.deepEqual(check(files), ['conf.d/a.conf:2:3: invalid number of arguments in "listen" directive']);
    // a.conf is included, so it is not also checked standalone in main (where "server" is wrong).
    assert.deepEqual(check({ ...files, 'conf.d/a.conf': 'server { }' }, { files: ['nginx.conf', 'conf.d/a.conf'] }), []);
  });

  test('include targets: missing inside the set, outside the set, include roots, cycles', () => {
    const missing = wrap('include extra.conf;');
    assert.deepEqual(check({ 'nginx.conf': missing }), [`nginx.conf:${where(missing, 'extra.conf')}: open() "extra.conf" failed: "extra.conf" is not in the config set`]);
    const image = wrap('include /etc/nginx/mime.types;');
    assert.deepEqual(check({ 'nginx.conf': image }), [`nginx.conf:${where(image, '/etc/nginx')}: notice: include "/etc/nginx/mime.types" is outside the config set: left to nginx -t`]);
    const rooted = { 'nginx.conf': wrap('include /etc/hotcycle/live/s.inc;'), 's.inc': 'server { listen; }' };
    assert.deepEqual(check(rooted), [`nginx.conf:${where(rooted['nginx.conf'], '/etc/hotcycle')}: notice: include "/etc/hotcycle/live/s.inc" is outside the config set: left to nginx -t`]);
    assert.deepEqual(check(rooted, { includeRoots: ['/etc/hotcycle/live/'] }), ['s.inc:1:10: invalid number of arguments in "listen" directive']);
    const cycle = { 'nginx.conf': wrap('include a.inc;'), 'a.inc': 'include b.inc;', 'b.inc': 'include a.inc;' };
    assert.deepEqual(check(cycle), ['b.inc:1:1: include cycle: nginx.conf -> a.inc -> b.inc -> a.inc']);
  });

  test('context lets a set of server snippets be checked as http content, or as main', () => {
    assert.deepEqual(check({ 'default.conf': 'server { listen 80; }' }, { context: 'http' }), [
      'default.conf: notice: read inside http { } as nginx\'s stock nginx.conf reads conf.d/*.conf: the set has no nginx.conf',
    ]);
    // A set without nginx.conf is a conf.d by default now (issue 25); `main` is still available.
    assert.equal(check({ 'default.conf': 'server { listen 80; }' }, { context: 'main' }).filter((d) => !d.includes('notice:')).length, 1);
  });

  test('entryFiles and glob(3) rules', () => {
    const set = ['nginx.conf', 'conf.d/a.conf', '.hidden.conf', 'b.txt'];
    assert.deepEqual(entryFiles(set, ['*.conf']), ['nginx.conf']);
    assert.deepEqual(entryFiles(set, ['*.conf', 'conf.d/*.conf']), ['conf.d/a.conf', 'nginx.conf']);
    assert.equal(matchesGlob('conf.d/a.conf', 'conf.d/[a-c].conf'), true);
    assert.equal(matchesGlob('conf.d/d.conf', 'conf.d/[!a-c].conf'), true);
    assert.equal(matchesGlob('conf.d/x/a.conf', 'conf.d/*.conf'), false);
  });
});
