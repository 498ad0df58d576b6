// The built-in `tls` check (DESIGN.md §9): certificate/key pairs are checked before nginx (or any
// server) sees them. A pair is:
//   (1) `tls.crt` with the `tls.key` beside it, in any directory of the set (the keys of a
//       kubernetes.io/tls Secret), and
//   (2) the files nginx's `ssl_certificate`/`ssl_certificate_key` name inside the set, paired by
//       position within a block (as nginx pairs them), a block's own list replacing the outer one.
// For each pair:
//   (3) the certificate file is a complete PEM chain (every BEGIN has its END) that parses,
//       each certificate issued by the next;
//   (4) the key file is one complete PEM private key that parses;
//   (5) the key matches the leaf (the first certificate);
//   (6) the leaf is valid now.
// Messages name files and reasons only, never content: certificates and keys come from Secrets.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { posix } from 'node:path';
import type { Diagnostic } from '../diagnostic.ts';
import { parseNginx, type DirectiveNode } from './nginx/parser.ts';

export interface TlsPair {
  cert: string;
  /** Absent when the set has a certificate without its key (then the chain alone is checked). */
  key?: string;
}

export interface CertificateInfo {
  /** The certificate file (its leaf). */
  file: string;
  notAfter: Date;
}

export interface TlsResult {
  diagnostics: Diagnostic[];
  certificates: CertificateInfo[];
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;

/** (1) + (2): the pairs to check, each once, in name order. */
export function tlsPairs(set: ReadonlyMap<string, Buffer>, nginxFiles: readonly string[] = []): TlsPair[] {
  const pairs = new Map<string, TlsPair>();
  const add = (pair: TlsPair): void => void pairs.set(`${pair.cert}\0${pair.key ?? ''}`, pair);
  for (const name of set.keys()) {
    if (posix.basename(name) !== 'tls.crt') continue;
    const key = posix.join(posix.dirname(name), 'tls.key');
    add(set.has(key) ? { cert: name, key } : { cert: name }); // (1)
  }
  for (const file of nginxFiles) {
    for (const pair of nginxPairs(parseNginx(set.get(file)?.toString('utf8') ?? '').nodes, { certs: [], keys: [] })) {
      if (set.has(pair.cert) && (!pair.key || set.has(pair.key))) add(pair); // (2) files outside the set are nginx -t's
    }
  }
  return [...pairs.values()].sort((a, b) => a.cert.localeCompare(b.cert) || (a.key ?? '').localeCompare(b.key ?? ''));
}

export function checkTls(set: ReadonlyMap<string, Buffer>, pairs: readonly TlsPair[], now = new Date()): TlsResult {
  const result: TlsResult = { diagnostics: [], certificates: [] };
  const finding = (file: string, message: string): void => void result.diagnostics.push({ file, line: 0, column: 0, message, source: 'tls' });
  for (const pair of pairs) {
    const chain = parseChain(set.get(pair.cert) ?? Buffer.alloc(0)); // (3)
    if (typeof chain === 'string') {
      finding(pair.cert, chain);
      continue;
    }
    const leaf = chain[0] as X509Certificate;
    result.certificates.push({ file: pair.cert, notAfter: new Date(leaf.validTo) });
    if (pair.key) {
      const key = parseKey(set.get(pair.key) ?? Buffer.alloc(0)); // (4)
      if (typeof key === 'string') finding(pair.key, key);
      else if (!leaf.checkPrivateKey(key)) finding(pair.key, `private key does not match ${pair.cert}`); // (5)
    }
    const validity = checkValidity(leaf, now); // (6)
    if (validity) finding(pair.cert, validity);
  }
  return { diagnostics: unique(result.diagnostics), certificates: result.certificates };
}

/** (3) The certificates of a PEM chain, leaf first, or why it is not one. */
function parseChain(content: Buffer): X509Certificate[] | string {
  const text = content.toString('latin1');
  const blocks = completeBlocks(text);
  if (typeof blocks === 'string') return blocks;
  const certificates = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certificates.length === 0) return 'no PEM certificate (-----BEGIN CERTIFICATE-----) in the file';
  const chain: X509Certificate[] = [];
  for (const [i, block] of certificates.entries()) {
    try {
      chain.push(new X509Certificate(block.pem));
    } catch {
      return `certificate ${i + 1} of the chain does not parse (not valid DER inside the PEM)`;
    }
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!(chain[i] as X509Certificate).checkIssued(chain[i + 1] as X509Certificate)) {
      return `certificate ${i + 1} of the chain was not issued by certificate ${i + 2} (leaf first, then its issuers)`;
    }
  }
  return chain;
}

/** (4) The private key of a PEM file, or why it is not one. */
function parseKey(content: Buffer): KeyObject | string {
  const blocks = completeBlocks(content.toString('latin1'));
  if (typeof blocks === 'string') return blocks;
  const keys = blocks.filter((b) => b.label.endsWith('PRIVATE KEY'));
  if (keys.length !== 1) return keys.length === 0 ? 'no PEM private key (-----BEGIN … PRIVATE KEY-----) in the file' : 'more than one PEM private key in the file';
  try {
    return createPrivateKey((keys[0] as { pem: string }).pem);
  } catch {
    return 'the private key does not parse (damaged, or encrypted with a passphrase)';
  }
}

interface PemBlock { label: string; pem: string }

/** Every PEM block, or why the file is truncated: a BEGIN without its END. */
function completeBlocks(text: string): PemBlock[] | string {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] ?? '', pem: m[0] }));
  const begins = [...text.matchAll(PEM_BEGIN)].length;
  if (begins > blocks.length) return `truncated PEM: ${begins - blocks.length} BEGIN line(s) without their END`;
  return blocks;
}

function checkValidity(leaf: X509Certificate, now: Date): string | undefined {
  const from = new Date(leaf.validFrom);
  const to = new Date(leaf.validTo);
  if (now < from) return `certificate is not valid before ${from.toISOString()}`;
  if (now > to) return `certificate expired on ${to.toISOString()}`;
  return undefined;
}

interface Declared { certs: string[]; keys: string[] }

/** (2) Pairs by position in each block that declares either directive; inner lists replace outer ones. */
function nginxPairs(nodes: readonly DirectiveNode[], outer: Declared): TlsPair[] {
  const own: Declared = { certs: [], keys: [] };
  for (const node of nodes) {
    const value = node.args.length === 1 ? setPath(node.args[0]?.value ?? '') : undefined;
    if (node.name === 'ssl_certificate' && value) own.certs.push(value);
    if (node.name === 'ssl_certificate_key' && value) own.keys.push(value);
  }
  const here: Declared = { certs: own.certs.length ? own.certs : outer.certs, keys: own.keys.length ? own.keys : outer.keys };
  const pairs: TlsPair[] = own.certs.length || own.keys.length
    ? here.certs.map((cert, i) => (here.keys[i] ? { cert, key: here.keys[i] } : { cert }))
    : [];
  for (const node of nodes) if (node.children) pairs.push(...nginxPairs(node.children, here));
  return pairs;
}

/** A path nginx resolves inside the set (relative to the `-c` file's directory), or undefined. */
function setPath(value: string): string | undefined {
  if (value.startsWith('/') || value.includes('$') || value.startsWith('data:') || value.startsWith('engine:')) return undefined;
  const normal = posix.normalize(value);
  return normal.startsWith('../') || normal === '..' ? undefined : normal;
}

function unique(found: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return found.filter((d) => !seen.has(`${d.file}\0${d.message}`) && Boolean(seen.add(`${d.file}\0${d.message}`)));
}
