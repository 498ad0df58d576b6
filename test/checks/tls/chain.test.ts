// The chain as a verifying client builds it (issue 24, item 2), judged by hotcycle's gate and
// by the real nginx -t. nginx -t checks no dates and verifies no signature along the chain, so
// an expired or stale issuer passes it while every client fails: there the verdicts differ, on
// purpose, and the case says so.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { judgeChain } from '../../../src/checks/tls/chain.ts';
import { judgeCases, type TlsCase } from '../../fixtures/tls/judge.ts';
import { Pki, secretsOf } from '../../fixtures/tls/openssl-pki.ts';

let pki: Pki;
const pem: Record<string, string> = {};

const DAY = 86_400_000;

before(async () => {
  pki = await Pki.create();
  const ca = async (name: string, key: string, issuer?: string, dates: { from?: Date; to?: Date; cn?: string } = {}): Promise<void> => {
    pem[key] ??= await pki.key(key, 'p256');
    pem[name] = await pki.cert(name, key, { ca: true, ...(issuer ? { issuer: { cert: issuer, key: issuer } } : {}), ...dates });
  };
  const leaf = async (name: string, issuer: string, dates: { from?: Date; to?: Date } = {}): Promise<void> => {
    pem[`${name}.key`] = await pki.key(name, 'p256');
    pem[name] = await pki.cert(name, name, { issuer: { cert: issuer, key: issuer }, ...dates });
  };
  await ca('root', 'root');
  await ca('int', 'int', 'root');
  await leaf('leaf', 'int');
  await leaf('other', 'int');
  // The same name as `int`, another key: what a CA key rotation leaves behind.
  pem['stale'] = await pki.key('stale', 'p256');
  pem['stale'] = await pki.cert('stale', 'stale', { ca: true, cn: 'int', issuer: { cert: 'root', key: 'root' } });
  await ca('old', 'old', 'root', { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2021-01-01T00:00:00Z') });
  await leaf('under-old', 'old');
  await leaf('expired', 'int', { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-02T00:00:00Z') });
  await leaf('future', 'int', { from: new Date(Date.now() + DAY), to: new Date(Date.now() + 2 * DAY) });
  // Cross-signing: a new root B whose key also has a certificate from root (A), as Let's Encrypt's ISRG Root X1.
  await ca('rootB', 'rootB');
  await ca('intB', 'intB', 'rootB');
  await leaf('leafB', 'intB');
  pem['crossB'] = await pki.cert('crossB', 'rootB', { ca: true, cn: 'rootB', issuer: { cert: 'root', key: 'root' } });
});
after(() => pki?.close());

const p = (...names: string[]): string => names.map((n) => pem[n] ?? '').join('');
const pair = (crt: string, key: string): Record<string, string> => ({ 'tls/tls.crt': crt, 'tls/tls.key': pem[`${key}.key`] ?? '' });

test('chains: the path a client builds, notices for what only some clients need', async () => {
  const secrets = secretsOf(...Object.values(pem));
  const MISSING = /^tls\/tls\.crt: notice: the leaf's issuer is not in the file: clients without that intermediate will fail$/;
  const cases: TlsCase[] = [
    { name: 'leaf only', files: pair(p('leaf'), 'leaf'), hotcycle: true, notices: [MISSING], nginx: true, secrets },
    { name: 'leaf + intermediate', files: pair(p('leaf', 'int'), 'leaf'), hotcycle: true, nginx: true, secrets },
    { name: 'leaf + intermediate + root', files: pair(p('leaf', 'int', 'root'), 'leaf'), hotcycle: true, nginx: true, secrets },
    { name: 'cross-signed chain', files: pair(p('leafB', 'intB', 'crossB'), 'leafB'), hotcycle: true, nginx: true, secrets },
    { name: 'cross-signed and self-signed root both', files: pair(p('leafB', 'intB', 'crossB', 'rootB'), 'leafB'), hotcycle: true, nginx: true, secrets },
    // Issue 24: refused before ("certificate 2 of the chain was not issued by certificate 3").
    { name: 'intermediate repeated', files: pair(p('leaf', 'int', 'int'), 'leaf'), hotcycle: true, nginx: true, secrets },
    { name: 'issuers in any order after the leaf', files: pair(p('leaf', 'root', 'int'), 'leaf'), hotcycle: true, nginx: true, secrets },
    {
      name: 'an unrelated certificate at the end', files: pair(p('leaf', 'int', 'other'), 'leaf'), hotcycle: true, nginx: true, secrets,
      notices: [/^tls\/tls\.crt: notice: certificate 3 is on no path from the leaf: nginx sends it, clients ignore it$/],
    },
    {
      name: 'misordered: intermediate first', files: pair(p('int', 'leaf'), 'leaf'), secrets,
      hotcycle: /^tls\/tls\.crt: certificate 2 was issued by certificate 1: the leaf must come first/, nginx: /key values mismatch/,
    },
    {
      name: 'mismatched key', files: pair(p('leaf', 'int'), 'other'), secrets,
      hotcycle: /^tls\/tls\.key: private key does not match tls\/tls\.crt$/, nginx: /key values mismatch/,
    },
    // nginx -t verifies no signature: the stale intermediate passes it, and every client fails.
    {
      name: 'stale intermediate (same name, another key)', files: pair(p('leaf', 'stale'), 'leaf'), secrets, nginx: true,
      hotcycle: /^tls\/tls\.crt: certificate 2 bears the name of the issuer of certificate 1 but did not sign it .*every client fails$/,
    },
    // nginx -t checks no dates: these pass it, and every client fails.
    {
      name: 'valid leaf under an expired intermediate', files: pair(p('under-old', 'old'), 'under-old'), secrets, nginx: true,
      hotcycle: /^tls\/tls\.crt: certificate 2 of the chain \(an issuer of the leaf\) expired on 2021-01-01T00:00:00\.000Z: clients cannot verify the chain/,
    },
    { name: 'expired leaf', files: pair(p('expired', 'int'), 'expired'), secrets, nginx: true, hotcycle: /^tls\/tls\.crt: certificate expired on 2020-01-02T00:00:00\.000Z$/ },
    { name: 'leaf not yet valid', files: pair(p('future', 'int'), 'future'), secrets, nginx: true, hotcycle: /^tls\/tls\.crt: certificate is not valid before / },
  ];
  await judgeCases(cases);
});

test('judgeChain: a valid path is enough where the file offers several', () => {
  const cert = (name: string): X509Certificate => new X509Certificate(pem[name] ?? '');
  // The stale intermediate beside the one that signed: clients take the one that did.
  assert.deepEqual(judgeChain([cert('leaf'), cert('stale'), cert('int')], new Date()), [
    { severity: 'notice', message: 'certificate 2 is on no path from the leaf: nginx sends it, clients ignore it' },
  ]);
  // Every certificate on the path is judged at `now`: in 2020 the leaf `expired` was valid, its issuer not yet.
  assert.deepEqual(judgeChain([cert('expired'), cert('int')], new Date('2020-01-01T12:00:00Z')), [{
    severity: 'error',
    message: `certificate 2 of the chain (an issuer of the leaf) is not valid before ${cert('int').validFromDate.toISOString()}: clients cannot verify the chain (nginx -t does not check dates)`,
  }]);
  // A self-signed leaf is a whole path: no issuer to miss.
  assert.deepEqual(judgeChain([cert('root')], new Date()), []);
  assert.deepEqual(judgeChain([], new Date()), []);
});
