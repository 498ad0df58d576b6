import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Diagnostic } from '../../src/diagnostic.ts';
import { redactSecrets, WITHHELD } from '../../src/checks/redact.ts';
import { fileSetFrom } from '../../src/configset/fileset.ts';

const SECRET = 'user:$apr1$s3cr3tvalue';
const set = fileSetFrom({ 'nginx.conf': 'events {}', 'auth/htpasswd': `${SECRET}\n}\n`, 'auth/tls.key': 'K' });
const at = (file: string, message: string, source = 'nginx'): Diagnostic => ({ file, line: 2, column: 5, message, source });

test('a finding in a Secret file keeps its place, not its message; content-free checkers keep theirs', () => {
  const out = redactSecrets([at('auth/htpasswd', `unknown directive "${SECRET}"`), at('auth/tls.key', 'private key does not match auth/tls.crt', 'tls')], set, ['auth/']);
  assert.deepEqual(out.map((d) => [d.file, d.line, d.column]), [['auth/htpasswd', 2, 5], ['auth/tls.key', 2, 5]]);
  assert.ok(!out[0]?.message.includes(SECRET));
  assert.match(out[0]?.message ?? '', /withheld/);
  assert.equal(out[1]?.message, 'private key does not match auth/tls.crt');
});

test("other findings lose every Secret line they quote (a check command's output), short lines excepted", () => {
  const out = redactSecrets([at('hotcycle.yaml', `command failed: cat said ${SECRET} and }`, 'command')], set, ['auth/']);
  assert.equal(out[0]?.message, `command failed: cat said ${WITHHELD} and }`);
});

test('without Secret sources nothing changes', () => {
  const found = [at('nginx.conf', 'unexpected "}"')];
  assert.deepEqual(redactSecrets(found, set, []), found);
});
