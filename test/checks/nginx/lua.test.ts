// OpenResty's Lua blocks (issue 25, item 3): the body is skipped the way lua-nginx-module's
// lexer reads it, and nginx syntax around the block is still checked. Debian's nginx has no lua
// module, so these verdicts are hotcycle's alone, each case said by the lexer's rules.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../../src/diagnostic.ts';
import { checkNginx } from '../../../src/checks/nginx/index.ts';
import { scanLuaBlock } from '../../../src/checks/nginx/lua.ts';
import { where } from '../../fixtures/nginx/where.ts';

const check = (text: string): string[] => checkNginx(new Map([['nginx.conf', text]])).map(formatDiagnostic);
const site = (body: string): string => `events {}\nhttp {\n  server {\n    listen 8080;\n    location / {\n      ${body}\n    }\n  }\n}\n`;

describe('Lua blocks', () => {
  test('the block ends at its own "}": braces in strings, long brackets and comments do not count', () => {
    const bodies: [string, string][] = [
      ['plain', ' ngx.say("hello") }'],
      ['"}" in a double-quoted string', ' ngx.say("}") }'],
      ['"}" in a single-quoted string with an escaped quote', " ngx.say('it\\'s }') }"],
      ['nested tables', ' local t = { a = { b = 1 } } ngx.say(t.a.b) }'],
      ['long string', ' ngx.say([[ } { ]]) }'],
      ['long string of level 2 holding "]]"', ' ngx.say([==[ ]] } ]=] ]==]) }'],
      ['line comment', ' -- a } here\n ngx.exit(200) }'],
      ['long comment', ' --[[ } ]] ngx.exit(200) }'],
      ['a quote that does not close on its line is plain text', ' local s = "a\n ngx.exit(200) }'],
    ];
    for (const [name, body] of bodies) {
      const scan = scanLuaBlock(body, 0);
      assert.deepEqual(scan, { ok: true, end: body.length }, name);
    }
  });

  test('the issue\'s case: content_by_lua_block { ngx.say("}") } is accepted', () => {
    assert.deepEqual(check(site('content_by_lua_block { ngx.say("}") }')), []);
    const multi = site('access_by_lua_block {\n        if ngx.var.arg_x == "{" then\n          return ngx.exit(403)\n        end\n      }\n      content_by_lua_block { ngx.say([[}]]) }');
    assert.deepEqual(check(multi), []);
    // In main and http context too, and with arguments (set_by_lua_block $var { … }).
    const text = `init_by_lua_block { require "resty.core" }\nevents {}\nhttp {\n  init_worker_by_lua_block { local x = "}" }\n  server { listen 8080; set_by_lua_block $v { return "{" } }\n}\n`;
    assert.deepEqual(check(text), []);
  });

  test('nginx syntax next to a Lua block is still checked, at its line and column', () => {
    // A missing ";" after a directive next to the block: nginx reads on into the next line.
    const text = site('content_by_lua_block { ngx.say("}") }\n      proxy_pass http://127.0.0.1:9000\n      return 200;');
    assert.deepEqual(check(text), [`nginx.conf:${where(text, 'proxy_pass')}: invalid number of arguments in "proxy_pass" directive`]);
    const after = site('content_by_lua_block { ngx.say("ok") }\n      expires 1h 2h 3h;');
    assert.deepEqual(check(after), [`nginx.conf:${where(after, 'expires')}: invalid number of arguments in "expires" directive`]);
  });

  test('a block that never closes, or a long bracket that never closes, is an error where it starts', () => {
    // The server's own "}" would close it: the file ends inside the block only when nothing follows.
    const open = 'events {}\ninit_by_lua_block { local t = { 1, 2 }\n';
    assert.deepEqual(check(open), [`nginx.conf:${where(open, '{ local')}: unexpected end of file, expecting terminating characters for lua code block`]);
    const bracket = site('content_by_lua_block { ngx.say([=[ never ]] closed) }');
    assert.deepEqual(check(bracket), [`nginx.conf:${where(bracket, '[=[')}: Lua code block missing the closing long bracket "]=]", the inlined Lua code may be too long`]);
  });

  test('a directive that is not a Lua block still reads its body as nginx syntax', () => {
    const text = site('content_by_lua "ngx.say(1)";\n      location_by_lua_file { ngx.say("}") }');
    assert.ok(check(text).length > 0);
  });
});
