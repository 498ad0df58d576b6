import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkFileSet } from '../../../src/checks/gate.ts';
import { checkTls, tlsPairs } from '../../../src/checks/tls/index.ts';
import { fileSetFrom } from '../../../src/configset/fileset.ts';
import { TestCa, truncated, type Issued } from '../../fixtures/tls/pki.ts';

let ca: TestCa;
let good: Issued;
let other: Issued;
let expired: Issued;
let future: Issued;

before(async () => {
  ca = await TestCa.create();
  [good, other] = [await ca.issue('good'), await ca.issue('other')];
  expired = await ca.issue('expired', { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-02T00:00:00Z') });
  future = await ca.issue('future', { from: new Date(Date.now() + 86_400_000), to: new Date(Date.now() + 2 * 86_400_000) });
});
after(() => ca?.close());

const root = (issued: Issued): string => issued.chain.slice(issued.cert.length);
const check = (files: Record<string, string>, nginx: string[] = []) => {
  const set = fileSetFrom(files);
  return checkTls(set, tlsPairs(set, nginx));
};
// Issue 24: a leaf without its issuer in the file (these leaves, signed by the test root) or an
// extra certificate is a notice, which rejects nothing; these tests are about errors.
const messages = (files: Record<string, string>, nginx: string[] = []) =>
  check(files, nginx).diagnostics.filter((d) => d.severity !== 'notice').map((d) => `${d.file}: ${d.message}`);

test('a matching, valid pair (leaf then CA) passes and reports its expiry', () => {
  const result = check({ 'tls/tls.crt': good.chain, 'tls/tls.key': good.key });
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.certificates.length, 1);
  assert.equal(result.certificates[0]?.file, 'tls/tls.crt');
  assert.ok((result.certificates[0]?.notAfter.getTime() ?? 0) > Date.now());
});

test('each failure names the file and the reason, never the content', () => {
  const table: [string, Record<string, string>, RegExp][] = [
    ['mismatched', { 'tls/tls.crt': good.cert, 'tls/tls.key': other.key }, /^tls\/tls\.key: private key does not match tls\/tls\.crt$/],
    ['expired', { 'tls/tls.crt': expired.cert, 'tls/tls.key': expired.key }, /^tls\/tls\.crt: certificate expired on 2020-01-02T00:00:00\.000Z$/],
    ['not yet valid', { 'tls/tls.crt': future.cert, 'tls/tls.key': future.key }, /^tls\/tls\.crt: certificate is not valid before /],
    ['truncated certificate', { 'tls/tls.crt': truncated(good.cert), 'tls/tls.key': good.key }, /^tls\/tls\.crt: truncated PEM: 1 BEGIN line\(s\) without their END$/],
    ['truncated key', { 'tls/tls.crt': good.cert, 'tls/tls.key': truncated(good.key) }, /^tls\/tls\.key: truncated PEM/],
    ['no certificate', { 'tls/tls.crt': 'hello\n', 'tls/tls.key': good.key }, /^tls\/tls\.crt: no PEM certificate/],
    ['no key', { 'tls/tls.crt': good.cert, 'tls/tls.key': good.cert }, /^tls\/tls\.key: no PEM private key/],
    // Issue 24: an out-of-order chain is one that starts with an issuer (two unrelated leaves: below).
    ['chain out of order', { 'tls/tls.crt': root(good) + good.cert, 'tls/tls.key': good.key }, /^tls\/tls\.crt: certificate 2 was issued by certificate 1: the leaf must come first/],
  ];
  for (const [name, files, expected] of table) {
    const found = messages(files);
    assert.equal(found.length, 1, `${name}: ${found.join('; ')}`);
    assert.match(found[0] ?? '', expected, name);
    const key = files['tls/tls.key'] ?? '';
    const body = key.split('\n')[1] ?? '';
    assert.ok(!found[0]?.includes(body), `${name}: no key content`);
  }
});

test('issue 24: a certificate on no path from the leaf is a notice, not a refusal', () => {
  const found = check({ 'tls/tls.crt': good.cert + other.cert, 'tls/tls.key': good.key }).diagnostics;
  assert.deepEqual(found.map((d) => [d.severity, d.message]), [
    ['notice', "the leaf's issuer is not in the file: clients without that intermediate will fail"],
    ['notice', 'certificate 2 is on no path from the leaf: nginx sends it, clients ignore it'],
  ]);
});

test('a damaged body inside complete PEM armour is rejected', () => {
  const lines = good.cert.split('\n');
  lines[2] = 'A'.repeat(lines[2]?.length ?? 10);
  assert.match(messages({ 'tls.crt': lines.join('\n'), 'tls.key': good.key })[0] ?? '', /^tls\.crt: certificate 1 of the chain does not parse/);
});

test("nginx's ssl_certificate/ssl_certificate_key pairs by position, inner blocks replacing outer lists", () => {
  const conf = `http {
    ssl_certificate certs/a.crt; ssl_certificate_key certs/a.key;
    server { listen 443 ssl; }
    server { listen 444 ssl; ssl_certificate certs/b.crt; ssl_certificate_key certs/b.key; ssl_certificate certs/c.crt; ssl_certificate_key certs/c.key; }
    server { ssl_certificate /etc/ssl/outside.crt; ssl_certificate_key $var; }
  }`;
  const set = fileSetFrom({ 'nginx.conf': conf, 'certs/a.crt': '', 'certs/a.key': '', 'certs/b.crt': '', 'certs/b.key': '', 'certs/c.crt': '', 'certs/c.key': '' });
  assert.deepEqual(tlsPairs(set, ['nginx.conf']), [
    { cert: 'certs/a.crt', key: 'certs/a.key' }, { cert: 'certs/b.crt', key: 'certs/b.key' }, { cert: 'certs/c.crt', key: 'certs/c.key' },
  ]);
  // A mismatch that only the nginx directives reveal.
  assert.deepEqual(messages({ 'site.conf': 'server { ssl_certificate s/cert.pem; ssl_certificate_key s/key.pem; }', 's/cert.pem': good.cert, 's/key.pem': other.key }, ['site.conf']),
    ['s/key.pem: private key does not match s/cert.pem']);
});

test('a tls.crt without tls.key is still checked alone; unrelated files are not', () => {
  assert.deepEqual(messages({ 'ca/tls.crt': expired.cert, 'notes.txt': 'x' }), ['ca/tls.crt: certificate expired on 2020-01-02T00:00:00.000Z']);
  assert.deepEqual(messages({ 'server.crt': 'junk' }), []);
});

test('issue 24: the gate reports notices and still accepts the version (its certificates reach onAccepted)', async () => {
  const accepted: string[] = [];
  const found = await checkFileSet(fileSetFrom({ 'tls/tls.crt': good.cert, 'tls/tls.key': good.key }), {
    driver: 'nginx', onAccepted: (certificates) => accepted.push(...certificates.map((c) => c.file)),
  });
  assert.deepEqual(found.map((d) => [d.file, d.severity]), [['tls/tls.crt', 'notice']]);
  assert.deepEqual(accepted, ['tls/tls.crt']);
  // An error beside the notice rejects it as before.
  const rejected = await checkFileSet(fileSetFrom({ 'tls/tls.crt': good.cert, 'tls/tls.key': other.key }), { driver: 'nginx', onAccepted: () => accepted.push('no') });
  assert.deepEqual(rejected.map((d) => d.severity ?? 'error'), ['notice', 'error']);
  assert.deepEqual(accepted, ['tls/tls.crt']);
});

test('issue 24: each server carries the ssl_password_file and @SECLEVEL it inherits, through includes', () => {
  const set = fileSetFrom({
    'nginx.conf': 'http { ssl_ciphers HIGH:@SECLEVEL=1; ssl_password_file keys/pass; include sites/*.conf; server { ssl_certificate a.crt; ssl_certificate_key a.key; ssl_password_file /run/pass; ssl_ciphers HIGH; } }',
    'sites/b.conf': 'server { ssl_certificate b.crt; ssl_certificate_key b.key; }',
    'snippet.conf': 'ssl_certificate c.crt; ssl_certificate_key c.key;',
    'a.crt': '', 'a.key': '', 'b.crt': '', 'b.key': '', 'c.crt': '', 'c.key': '', 'keys/pass': '',
  });
  assert.deepEqual(tlsPairs(set, ['nginx.conf', 'sites/b.conf', 'snippet.conf']), [
    { cert: 'a.crt', key: 'a.key', passwordOutside: '/run/pass' },
    { cert: 'b.crt', key: 'b.key', passwordFile: 'keys/pass', ciphers: 'HIGH:@SECLEVEL=1' },
    { cert: 'c.crt', key: 'c.key' },
  ]);
});
