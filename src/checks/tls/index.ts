// The built-in `tls` check (DESIGN.md §9, issue 24): certificate/key pairs are judged before
// nginx (or any server) sees them, as nginx loads them and as a verifying client builds the
// chain, so that no working pair is refused and no failing one let through. For each pair
// (pairs.ts: tls.crt/tls.key, and what nginx's ssl_certificate/ssl_certificate_key name):
//   (1) the certificate file reads as nginx reads it (certificates.ts, pem.ts);
//   (2) its chain is one a client can build, every certificate on it valid now (chain.ts);
//   (3) every certificate in it meets the server's OpenSSL security level (seclevel.ts);
//   (4) the key file holds a private key that nginx can read, decrypted with the server's
//       ssl_password_file when it is encrypted (keys.ts), and
//   (5) the key matches the leaf.
// Findings are errors, which reject the version, or notices (a missing intermediate, an extra
// certificate, a password file outside the set), which do not. Messages name files, places in
// them and reasons only, never content: certificates, keys and passphrases come from Secrets.
import type { KeyObject, X509Certificate } from 'node:crypto';
import type { Diagnostic } from '../../diagnostic.ts';
import { readCertificates } from './certificates.ts';
import { issuedByFirst, judgeChain } from './chain.ts';
import { passphrasesOf, readKey } from './keys.ts';
import type { TlsPair } from './pairs.ts';
import { checkSecurityLevel, securityLevelOf } from './seclevel.ts';

export { tlsPairs, type TlsPair } from './pairs.ts';

export interface CertificateInfo {
  /** The certificate file (its leaf). */
  file: string;
  notAfter: Date;
}

export interface TlsResult {
  diagnostics: Diagnostic[];
  certificates: CertificateInfo[];
}

type Severity = 'error' | 'notice';

export function checkTls(set: ReadonlyMap<string, Buffer>, pairs: readonly TlsPair[], now = new Date()): TlsResult {
  const result: TlsResult = { diagnostics: [], certificates: [] };
  const finding = (file: string, message: string, severity: Severity = 'error'): void => void result.diagnostics.push({
    file, line: 0, column: 0, message, source: 'tls', ...(severity === 'notice' ? { severity } : {}),
  });
  for (const pair of pairs) {
    const chain = readCertificates(set.get(pair.cert) ?? Buffer.alloc(0)); // (1)
    if (typeof chain === 'string') {
      finding(pair.cert, chain);
      continue;
    }
    const leaf = chain[0] as X509Certificate;
    result.certificates.push({ file: pair.cert, notAfter: leaf.validToDate });
    for (const { severity, message } of judgeChain(chain, now)) finding(pair.cert, message, severity); // (2)
    for (const message of checkSecurityLevel(chain, securityLevelOf(pair.ciphers))) finding(pair.cert, message); // (3)
    // A file that starts with an issuer has no leaf for the key to match: said once, above.
    if (!pair.key || issuedByFirst(chain) > 0) continue;
    const key = loadKey(set, pair, pair.key); // (4)
    if (!('object' in key)) finding(pair.key, key.message, key.severity);
    else if (!leaf.checkPrivateKey(key.object)) finding(pair.key, `private key does not match ${pair.cert}`); // (5)
  }
  return { diagnostics: unique(result.diagnostics), certificates: result.certificates };
}

type Loaded = { object: KeyObject } | { severity: Severity; message: string };

/** (4) The key of a pair, or what keeps nginx from loading it (or us from judging it). */
function loadKey(set: ReadonlyMap<string, Buffer>, pair: TlsPair, keyFile: string): Loaded {
  const passwordFile = pair.passwordFile === undefined ? undefined : set.get(pair.passwordFile);
  const key = readKey(set.get(keyFile) ?? Buffer.alloc(0), passwordFile ? passphrasesOf(passwordFile) : []);
  if (!('reason' in key)) return { object: key };
  if (key.reason === 'invalid') return { severity: 'error', message: key.message };
  if (pair.passwordOutside !== undefined) {
    return { severity: 'notice', message: `the private key is encrypted, and its ssl_password_file ${pair.passwordOutside} is outside the config set: left to nginx -t (the key's match with ${pair.cert} is not checked)` };
  }
  if (pair.passwordFile !== undefined && !passwordFile) {
    return { severity: 'error', message: `the private key is encrypted, and its ssl_password_file ${pair.passwordFile} is not in the config set` };
  }
  if (key.reason === 'encrypted') {
    return { severity: 'error', message: 'the private key is encrypted with a passphrase, and no ssl_password_file applies to it: nginx cannot load it' };
  }
  const count = `${key.tried} passphrase${key.tried === 1 ? '' : 's'}`;
  return { severity: 'error', message: `the private key is encrypted, and none of the ${count} in ${pair.passwordFile ?? ''} decrypts it` };
}

function unique(found: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return found.filter((d) => !seen.has(`${d.file}\0${d.message}`) && Boolean(seen.add(`${d.file}\0${d.message}`)));
}
