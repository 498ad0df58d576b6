import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkFileSet } from '../../src/checks/gate.ts';
import { formatDiagnostic, type Diagnostic } from '../../src/diagnostic.ts';
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

describe('Secret words and quoted values in findings that name no Secret file', () => {
  const TOKEN = 'Tok3n-5f2a9c81e7';
  const snippet = `ssl_certificate /etc/hotcycle/live/tls/${TOKEN}.crt;\n    proxy_pass http://${TOKEN}.invalid;\n  server_name ${TOKEN}.example;\n`;
  const withSnippet = fileSetFrom({ 'nginx.conf': 'server {\n  ssl_certificate_key k.pem;\n  include tls/snippet.conf;\n}\n', 'tls/snippet.conf': snippet });
  const redact = (d: Diagnostic): Diagnostic | undefined => redactSecrets([d], withSnippet, ['tls/'])[0];
  const where = (d: Diagnostic | undefined): string => `${d?.file}:${d?.line}:${d?.column}`;

  test('a path nginx could not load, said nowhere: replaced, and the finding placed where the Secret file names it', () => {
    const out = redact({ file: 'nginx.conf', line: 0, column: 0, source: 'nginx',
      message: `cannot load certificate "/etc/hotcycle/live/tls/${TOKEN}.crt": BIO_new_file() failed (calling fopen(/etc/hotcycle/live/tls/${TOKEN}.crt, r))` });
    assert.equal(out?.message, `cannot load certificate "${WITHHELD}": BIO_new_file() failed (calling fopen(${WITHHELD}, r))`);
    assert.equal(where(out), 'tls/snippet.conf:1:17');
  });

  test('a quoted part of a Secret word (the host of a URL) is replaced; a located finding keeps its place', () => {
    const out = redact({ file: 'nginx.conf', line: 3, column: 3, source: 'nginx', message: `host not found in upstream "${TOKEN}.invalid"` });
    assert.equal(out?.message, `host not found in upstream "${WITHHELD}"`);
    assert.equal(where(out), 'nginx.conf:3:3');
  });

  test('case is ignored (nginx lowercases host names); words a public file holds stay', () => {
    const out = redact({ file: 'nginx.conf', line: 0, column: 0, source: 'nginx',
      message: `conflicting server name "${TOKEN.toLowerCase()}.example" on 0.0.0.0:80, ignored; no "ssl_certificate_key" is defined` });
    assert.equal(out?.message, `conflicting server name "${WITHHELD}" on 0.0.0.0:80, ignored; no "ssl_certificate_key" is defined`);
    assert.equal(where(out), 'tls/snippet.conf:3:15');
  });

  test('checkers that never quote content keep their messages; text with no Secret in it is untouched', () => {
    const tls = { file: 'cert.pem', line: 0, column: 0, source: 'tls', message: `private key does not match /etc/hotcycle/live/tls/${TOKEN}.crt` };
    assert.deepEqual(redact(tls), tls);
    const plain = { file: 'nginx.conf', line: 0, column: 0, source: 'nginx', message: 'no "events" section in configuration' };
    assert.deepEqual(redact(plain), plain);
  });
});

test("a check command's stderr that echoes a Secret value: replaced, wherever the command prints it (the gate, a real command)", async () => {
  const token = 'hunter2-9c81e7a5f2';
  const files = fileSetFrom({
    'hotcycle.yaml': 'workers: {command: [node]}\nchecks:\n  commands:\n    - command: [sh, -c, "echo \\"bad password $(cut -d= -f2 auth/creds.env)\\" >&2; exit 3"]\n',
    'auth/creds.env': `PASSWORD=${token}\n`,
  });
  const found = await checkFileSet(files, { driver: 'native', secretPrefixes: ['auth/'] });
  assert.equal(found.length, 1);
  assert.match(formatDiagnostic(found[0]!), /^auth\/creds\.env:1:10: check command `sh -c .*` failed \(exited with code 3\): bad password \[secret\]$/);
  assert.ok(!JSON.stringify(found).includes(token));
});
