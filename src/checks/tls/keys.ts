// A key file as nginx loads it (ngx_ssl_load_certificate_key): the first PEM private key in the
// file (blocks before it, a certificate or `EC PARAMETERS`, are skipped; nothing after it is
// read), decrypted with each passphrase of `ssl_password_file` in turn until one works.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readPem, type PemBlock } from './pem.ts';

// The labels PEM_read_bio_PrivateKey takes: PKCS#8 (plain or encrypted) and the legacy forms
// whose algorithms OpenSSL can still decode.
const KEY_LABELS = new Set(['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'DSA PRIVATE KEY']);

export type KeyFailure =
  /** Encrypted, and no passphrase was given. */
  | { reason: 'encrypted' }
  /** Encrypted, and none of the passphrases decrypts it. */
  | { reason: 'passphrase'; tried: number }
  | { reason: 'invalid'; message: string };

export function readKey(content: Buffer, passphrases: readonly Buffer[] = []): KeyObject | KeyFailure {
  const { blocks, error } = readPem(content);
  const block = blocks.find((b) => KEY_LABELS.has(b.label));
  if (!block) return { reason: 'invalid', message: error ?? 'no PEM private key (-----BEGIN … PRIVATE KEY-----) in the file' };
  const pem = canonicalPem(block);
  if (!isEncrypted(block)) return decrypt(pem) ?? { reason: 'invalid', message: 'the private key does not parse (not a valid key inside the PEM)' };
  if (passphrases.length === 0) return { reason: 'encrypted' };
  for (const passphrase of passphrases) {
    const key = decrypt(pem, passphrase);
    if (key) return key;
  }
  return { reason: 'passphrase', tried: passphrases.length };
}

/** The passphrases nginx reads from a password file: one a line, CR LF or LF, empty lines skipped. */
export function passphrasesOf(file: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let lf = file.indexOf(0x0a); start < file.length; lf = file.indexOf(0x0a, start)) {
    const end = lf < 0 ? file.length : lf;
    const line = file.subarray(start, end > start && file[end - 1] === 0x0d ? end - 1 : end);
    if (line.length > 0) lines.push(line);
    start = end + 1;
  }
  // A file without a passphrase gives nginx one empty passphrase.
  return lines.length > 0 ? lines : [Buffer.alloc(0)];
}

function isEncrypted(block: PemBlock): boolean {
  return block.label === 'ENCRYPTED PRIVATE KEY' || /^Proc-Type:\s*4,ENCRYPTED/m.test(block.header);
}

function decrypt(pem: string, passphrase?: Buffer): KeyObject | undefined {
  try {
    return createPrivateKey(passphrase ? { key: pem, format: 'pem', passphrase } : { key: pem, format: 'pem' });
  } catch {
    return undefined;
  }
}

/** The block rewritten in the form every PEM reader takes, its headers kept for legacy encryption. */
function canonicalPem(block: PemBlock): string {
  const body = block.der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  const header = block.header ? `${block.header}\n\n` : '';
  return `-----BEGIN ${block.label}-----\n${header}${body}\n-----END ${block.label}-----\n`;
}
