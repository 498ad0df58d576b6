// Key types and formats as users write them (issue 24: what agrees and must keep agreeing), and
// RSA + ECDSA certificates in one server, judged by hotcycle's gate and by the real nginx -t.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { passphrasesOf } from '../../../src/checks/tls/keys.ts';
import { judgeCases, type TlsCase } from '../../fixtures/tls/judge.ts';
import { Pki, secretsOf, type KeyType } from '../../fixtures/tls/openssl-pki.ts';

let pki: Pki;
const pem: Record<string, string> = {};

before(async () => {
  pki = await Pki.create();
  await pki.key('root', 'p256');
  pem['root'] = await pki.cert('root', 'root', { ca: true });
  for (const type of ['rsa2048', 'rsa4096', 'p256', 'p384', 'ed25519'] as KeyType[]) {
    pem[`${type}.key`] = await pki.key(type, type);
    pem[type] = await pki.cert(type, type, { issuer: { cert: 'root', key: 'root' } });
  }
  for (const rsa of ['rsa2048', 'rsa4096']) pem[`${rsa}.pkcs1`] = await pki.openssl(['rsa', '-in', `${rsa}.key`, '-traditional']);
  for (const [ec, curve] of [['p256', 'prime256v1'], ['p384', 'secp384r1']]) {
    pem[`${ec}.sec1`] = await pki.openssl(['ec', '-in', `${ec}.key`]);
    pem[`${ec}.params`] = await pki.openssl(['ecparam', '-name', curve ?? '']);
  }
});
after(() => pki?.close());

const pair = (cert: string, key: string): Record<string, string> => ({ 'tls/tls.crt': (pem[cert] ?? '') + (pem['root'] ?? ''), 'tls/tls.key': pem[key] ?? '' });

test('key types and formats: every one openssl writes is accepted, a mismatch refused', async () => {
  const secrets = secretsOf(...Object.values(pem));
  const ok = (name: string, cert: string, key: string): TlsCase => ({ name, files: pair(cert, key), hotcycle: true, nginx: true, secrets });
  const cases: TlsCase[] = [
    ok('RSA 2048 PKCS#8', 'rsa2048', 'rsa2048.key'),
    ok('RSA 2048 PKCS#1', 'rsa2048', 'rsa2048.pkcs1'),
    ok('RSA 4096 PKCS#8', 'rsa4096', 'rsa4096.key'),
    ok('RSA 4096 PKCS#1', 'rsa4096', 'rsa4096.pkcs1'),
    ok('EC P-256 PKCS#8', 'p256', 'p256.key'),
    ok('EC P-256 SEC1', 'p256', 'p256.sec1'),
    ok('EC P-384 PKCS#8', 'p384', 'p384.key'),
    ok('EC P-384 SEC1', 'p384', 'p384.sec1'),
    ok('Ed25519 PKCS#8', 'ed25519', 'ed25519.key'),
    { ...ok('EC P-256 SEC1 after EC PARAMETERS', 'p256', 'p256.sec1'), files: { ...pair('p256', 'p256.sec1'), 'tls/tls.key': (pem['p256.params'] ?? '') + (pem['p256.sec1'] ?? '') } },
    { ...ok('EC P-384 SEC1 after EC PARAMETERS', 'p384', 'p384.sec1'), files: { ...pair('p384', 'p384.sec1'), 'tls/tls.key': (pem['p384.params'] ?? '') + (pem['p384.sec1'] ?? '') } },
    // nginx -t passes it (measured): OpenSSL files the RSA key in its RSA slot, beside no
    // certificate, and leaves the EC certificate without a key; no handshake can use either.
    {
      name: 'RSA key for an EC certificate', files: pair('p256', 'rsa2048.key'), secrets, nginx: true,
      hotcycle: /^tls\/tls\.key: private key does not match tls\/tls\.crt$/,
    },
    {
      name: 'another EC key for an EC certificate', files: pair('p256', 'p384.key'), secrets,
      hotcycle: /^tls\/tls\.key: private key does not match tls\/tls\.crt$/, nginx: /key values mismatch/,
    },
  ];
  await judgeCases(cases);
});

test('RSA + ECDSA certificates in one server: each pair judged, by position', async () => {
  const secrets = secretsOf(...Object.values(pem));
  const files = { ...pair('rsa2048', 'rsa2048.key'), 'tls/ec.crt': pem['p256'] ?? '', 'tls/ec.key': pem['p256.key'] ?? '' };
  const server = 'ssl_certificate tls/ec.crt; ssl_certificate_key tls/ec.key;';
  await judgeCases([
    { name: 'RSA + ECDSA', files, server, hotcycle: true, notices: [/^tls\/ec\.crt: notice: the leaf's issuer is not in the file/], nginx: true, secrets },
    {
      name: 'RSA + ECDSA, the second key swapped', files: { ...files, 'tls/ec.key': pem['p384.key'] ?? '' }, server, secrets,
      notices: [/^tls\/ec\.crt: notice: the leaf's issuer is not in the file/], hotcycle: /^tls\/ec\.key: private key does not match tls\/ec\.crt$/, nginx: /key values mismatch/,
    },
  ]);
});

test('passphrasesOf: nginx reads one a line, CR LF or LF, empty lines skipped, none = one empty', () => {
  const lines = (text: string): string[] => passphrasesOf(Buffer.from(text)).map((b) => b.toString());
  assert.deepEqual(lines('one\ntwo\r\n\nthree'), ['one', 'two', 'three']);
  assert.deepEqual(lines(' spaced \n'), [' spaced ']);
  assert.deepEqual(lines('\n\r\n'), ['']);
  assert.deepEqual(lines(''), ['']);
});
