// ssl_password_file honoured (issue 24, item 3): encrypted keys, PKCS#8 and legacy (Proc-Type),
// decrypted with the passphrases of the file nginx reads, judged by hotcycle's gate and by the
// real nginx -t; no passphrase in any output.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { judgeCases, type TlsCase } from '../../fixtures/tls/judge.ts';
import { Pki, secretsOf } from '../../fixtures/tls/openssl-pki.ts';

const PASS = 'correct horse battery staple 24';
const WRONG = 'not the passphrase of this key';

let pki: Pki;
const pem: Record<string, string> = {};

before(async () => {
  pki = await Pki.create();
  await pki.key('root', 'p256');
  pem['root'] = await pki.cert('root', 'root', { ca: true });
  for (const [name, type] of [['ec', 'p256'], ['rsa', 'rsa2048']] as const) {
    pem[`${name}.key`] = await pki.key(name, type);
    pem[name] = (await pki.cert(name, name, { issuer: { cert: 'root', key: 'root' } })) + pem['root'];
  }
  pem['pkcs8'] = await pki.openssl(['pkey', '-in', 'ec.key', '-aes256', '-passout', `pass:${PASS}`]);
  pem['rsa-legacy'] = await pki.openssl(['rsa', '-in', 'rsa.key', '-aes256', '-traditional', '-passout', `pass:${PASS}`]);
  pem['ec-legacy'] = await pki.openssl(['ec', '-in', 'ec.key', '-aes256', '-passout', `pass:${PASS}`]);
  await writeFile(join(pki.dir, 'pass.txt'), `${PASS}\n`);
});
after(() => pki?.close());

const files = (cert: string, key: string, extra: Record<string, string> = {}): Record<string, string> =>
  ({ 'tls/tls.crt': pem[cert] ?? '', 'tls/tls.key': pem[key] ?? '', ...extra });
const PASSWORD_FILE = 'ssl_password_file tls/pass.txt;';

test('encrypted keys with and without ssl_password_file', async () => {
  const secrets = [...secretsOf(...Object.values(pem)), PASS, WRONG];
  const ok = (name: string, set: Record<string, string>, server = PASSWORD_FILE): TlsCase => ({ name, files: set, server, hotcycle: true, nginx: true, secrets });
  const cases: TlsCase[] = [
    // Issue 24: refused before ("the private key does not parse (damaged, or encrypted with a passphrase)").
    ok('PKCS#8 encrypted, its passphrase in the file', files('ec', 'pkcs8', { 'tls/pass.txt': `${PASS}\n` })),
    ok('legacy RSA (Proc-Type), its passphrase in the file', files('rsa', 'rsa-legacy', { 'tls/pass.txt': PASS })),
    ok('legacy EC, the passphrase on the second CRLF line', files('ec', 'ec-legacy', { 'tls/pass.txt': `${WRONG}\r\n\r\n${PASS}\r\n` })),
    ok('a plain key with a password file', files('ec', 'ec.key', { 'tls/pass.txt': `${PASS}\n` })),
    ok('the password file set in http, the server in an included file', {
      ...files('ec', 'pkcs8', { 'tls/pass.txt': PASS }),
      'nginx.conf': `events {}\nhttp {\n  ${PASSWORD_FILE}\n  include conf.d/*.conf;\n}\n`,
      'conf.d/site.conf': 'server { listen 127.0.0.1:8443 ssl; ssl_certificate tls/tls.crt; ssl_certificate_key tls/tls.key; }\n',
    }),
    {
      ...ok('a password file outside the set', files('ec', 'pkcs8'), `ssl_password_file ${join(pki.dir, 'pass.txt')};`),
      notices: [/^tls\/tls\.key: notice: the private key is encrypted, and its ssl_password_file \/\S+ is outside the config set: left to nginx -t/],
    },
    {
      name: 'encrypted, no password file', files: files('ec', 'pkcs8'), secrets, nginx: /PEM_read_bio_PrivateKey\(\) failed/,
      hotcycle: /^tls\/tls\.key: the private key is encrypted with a passphrase, and no ssl_password_file applies to it: nginx cannot load it$/,
    },
    {
      name: 'legacy encrypted, no password file', files: files('rsa', 'rsa-legacy'), secrets, nginx: /PEM_read_bio_PrivateKey\(\) failed/,
      hotcycle: /^tls\/tls\.key: the private key is encrypted with a passphrase, and no ssl_password_file applies/,
    },
    {
      name: 'a wrong passphrase', files: files('ec', 'pkcs8', { 'tls/pass.txt': `${WRONG}\n` }), server: PASSWORD_FILE, secrets,
      nginx: /PEM_read_bio_PrivateKey\(\) failed/, hotcycle: /^tls\/tls\.key: the private key is encrypted, and none of the 1 passphrase in tls\/pass\.txt decrypts it$/,
    },
    {
      name: 'the password file missing from the set', files: files('ec', 'pkcs8'), server: PASSWORD_FILE, secrets,
      nginx: /open\(\) ".*tls\/pass\.txt" failed/, hotcycle: /^tls\/tls\.key: the private key is encrypted, and its ssl_password_file tls\/pass\.txt is not in the config set$/,
    },
  ];
  await judgeCases(cases);
});
