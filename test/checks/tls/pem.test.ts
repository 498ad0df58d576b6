// PEM as OpenSSL reads it (issue 24, item 1): every layout users make, judged by hotcycle's gate
// and by the real nginx -t on the same files.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readPem } from '../../../src/checks/tls/pem.ts';
import { judgeCases, type TlsCase } from '../../fixtures/tls/judge.ts';
import { Pki, secretsOf } from '../../fixtures/tls/openssl-pki.ts';

let pki: Pki;
let leaf: string;
let int: string;
let key: string;
let text: string;
let trusted: string;
let keyDer: string;

before(async () => {
  pki = await Pki.create();
  await pki.key('root', 'p256');
  await pki.cert('root', 'root', { ca: true });
  await pki.key('int', 'p256');
  int = await pki.cert('int', 'int', { ca: true, issuer: { cert: 'root', key: 'root' } });
  key = await pki.key('leaf', 'p256');
  leaf = await pki.cert('leaf', 'leaf', { issuer: { cert: 'int', key: 'int' } });
  text = await pki.openssl(['x509', '-in', 'leaf.crt', '-text']);
  trusted = await pki.openssl(['x509', '-in', 'leaf.crt', '-trustout', '-addtrust', 'serverAuth']);
  keyDer = await pki.openssl(['pkey', '-in', 'leaf.key', '-outform', 'DER']);
});
after(() => pki?.close());

const body = (pem: string): string[] => pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
const rewrap = (pem: string, width: number): string => {
  const [begin, end] = [pem.split('\n')[0], `${pem.trimEnd().split('\n').at(-1)}`];
  const b64 = body(pem).join('');
  return `${begin}\n${width > 0 ? (b64.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join('\n') : b64}\n${end}\n`;
};
const pair = (crt: string, tlsKey = key): Record<string, string> => ({ 'tls/tls.crt': crt, 'tls/tls.key': tlsKey });

test('PEM layouts: what OpenSSL reads is accepted, what it refuses is refused, with the reason', async () => {
  const secrets = secretsOf(leaf, int, key);
  const accepted = (name: string, files: Record<string, string>): TlsCase => ({ name, files, hotcycle: true, nginx: true, secrets });
  const cases: TlsCase[] = [
    accepted('leaf + intermediate', pair(leaf + int)),
    accepted('CRLF', pair((leaf + int).replace(/\n/g, '\r\n'), key.replace(/\n/g, '\r\n'))),
    accepted('UTF-8 BOM', pair(`\ufeff${leaf}${int}`, `\ufeff${key}`)),
    accepted('openssl x509 -text output before the block', pair(text + int)),
    accepted('comments between blocks', pair(`# leaf\n${leaf}\n# intermediate: ours\n${int}# end\n`)),
    accepted('no final newline', pair((leaf + int).trimEnd(), key.trimEnd())),
    accepted('unwrapped base64', pair(rewrap(leaf, 0) + rewrap(int, 0), rewrap(key, 0))),
    accepted('76-column base64', pair(rewrap(leaf, 76) + rewrap(int, 76), rewrap(key, 76))),
    accepted('trailing spaces', pair((leaf + int).replace(/\n/g, '  \n'), key.replace(/\n/g, ' \t\n'))),
    accepted('combined file, certificate first', pair(leaf + int + key, leaf + int + key)),
    accepted('combined file, key first', pair(key + leaf + int, key + leaf + int)),
    accepted('a key file that also holds the certificate', pair(leaf + int, key + leaf)),
    // Issue 24: refused before ("private key does not match"): nginx reads the leaf with PEM_read_bio_X509_AUX.
    accepted('TRUSTED CERTIFICATE leaf', pair(trusted + int)),
    {
      name: 'cat leaf.pem int.pem, leaf.pem without its final newline', files: pair(leaf.trimEnd() + int), secrets,
      hotcycle: /^tls\/tls\.crt: line \d+: the END line of the CERTIFICATE block begun on line 1 goes on past its closing dashes .*bad end line/,
      nginx: /PEM_read_bio_X509_AUX\(\) failed .*bad end line/,
    },
    {
      name: 'indented PEM', files: pair((leaf + int).replace(/^/gm, '    ')), secrets,
      hotcycle: /^tls\/tls\.crt: no PEM certificate/, nginx: /PEM_read_bio_X509_AUX\(\) failed .*no start line/,
    },
    {
      name: 'truncated certificate', files: pair(leaf + int.slice(0, int.length / 2)), secrets,
      hotcycle: /^tls\/tls\.crt: truncated PEM: 1 BEGIN line\(s\) without their END$/, nginx: /PEM_read_bio_X509\(\) failed/,
    },
    {
      name: 'truncated key', files: pair(leaf + int, key.slice(0, key.length / 2)), secrets,
      hotcycle: /^tls\/tls\.key: truncated PEM/, nginx: /PEM_read_bio_PrivateKey\(\) failed/,
    },
    {
      // Written as text by both sides (the nginx -t runner writes strings): binary without PEM armour either way.
      name: 'DER key', files: pair(leaf + int, keyDer), secrets: [...secrets, ...secretsOf(keyDer)],
      hotcycle: /^tls\/tls\.key: no PEM private key/, nginx: /PEM_read_bio_PrivateKey\(\) failed/,
    },
  ];
  await judgeCases(cases);
});

test('readPem: the rules of OpenSSL PEM_read_bio, table-driven', () => {
  const block = '-----BEGIN X-----\nAAAA\n-----END X-----\n';
  const table: [string, string, string[] | RegExp][] = [
    ['one block', block, ['X']],
    ['BOM, text and CRLF around', `\ufeffhello\r\n${block.replace(/\n/g, '\r\n')}bye`, ['X']],
    ['BEGIN not at a line start is text', ` ${block}`, []],
    ['BEGIN with text after its dashes is text', block.replace('X-----\n', 'X----- x\n'), []],
    ['END of another label', block.replace('END X', 'END Y'), /does not match its BEGIN line/],
    ['text after END', block.replace('END X-----', 'END X-----junk'), /goes on past its closing dashes/],
    ['blank line then 76 columns', `-----BEGIN X-----\n\n${'A'.repeat(76)}\nAAAA\n-----END X-----\n`, /must be 64 columns/],
    ['two blank lines', `-----BEGIN X-----\n\n\nAAAA\n-----END X-----\n`, /a second blank line/],
    ['invalid base64', block.replace('AAAA', 'AA!A'), /not valid base64/],
    ['base64 cut short', block.replace('AAAA', 'AAA'), /not valid base64/],
    ['no END', `${block}-----BEGIN Y-----\nAAAA\n`, /^truncated PEM: 1 BEGIN/],
  ];
  for (const [name, input, expected] of table) {
    const read = readPem(Buffer.from(input));
    if (Array.isArray(expected)) assert.deepEqual({ labels: read.blocks.map((b) => b.label), error: read.error }, { labels: expected, error: undefined }, name);
    else assert.match(read.error ?? '', expected, name);
  }
  // The blocks before an error are kept: a key file is read only up to its key.
  assert.deepEqual(readPem(Buffer.from(`${block}-----BEGIN Y-----\n`)).blocks.map((b) => b.label), ['X']);
});
