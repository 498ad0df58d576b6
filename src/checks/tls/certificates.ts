// A certificate file as nginx loads it (ngx_ssl_load_certificate):
//   (1) the leaf is the first block that PEM_read_bio_X509_AUX accepts: `CERTIFICATE`,
//       `X509 CERTIFICATE` or `TRUSTED CERTIFICATE` (whose trust data after the certificate is
//       ignored here, as it only matters to a trust store);
//   (2) the chain is every later `CERTIFICATE`/`X509 CERTIFICATE` block (PEM_read_bio_X509):
//       other blocks, a key or a later `TRUSTED CERTIFICATE`, are skipped;
//   (3) any malformed block anywhere in the file fails the load.
import { X509Certificate } from 'node:crypto';
import { readPem } from './pem.ts';

const LEAF_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const CHAIN_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE']);

/** The certificates nginx sends, leaf first, or why nginx cannot load the file. */
export function readCertificates(content: Buffer): X509Certificate[] | string {
  const { blocks, error } = readPem(content);
  if (error) return error; // (3)
  const first = blocks.findIndex((b) => LEAF_LABELS.has(b.label)); // (1)
  if (first < 0) return 'no PEM certificate (-----BEGIN CERTIFICATE-----) in the file';
  const used = [blocks[first], ...blocks.slice(first + 1).filter((b) => CHAIN_LABELS.has(b.label))]; // (2)
  const certificates: X509Certificate[] = [];
  for (const [i, block] of used.entries()) {
    const certificate = parseCertificate(block?.der ?? Buffer.alloc(0));
    if (!certificate) return `certificate ${i + 1} of the chain does not parse (not valid DER inside the PEM)`;
    certificates.push(certificate);
  }
  return certificates;
}

function parseCertificate(der: Buffer): X509Certificate | undefined {
  const element = firstElement(der);
  if (!element) return undefined;
  try {
    return new X509Certificate(element);
  } catch {
    return undefined;
  }
}

/** The first DER element: the certificate of a TRUSTED CERTIFICATE, without its trust data. */
function firstElement(der: Buffer): Buffer | undefined {
  const first = der[1];
  if (der.length < 2 || first === undefined) return undefined;
  if (first < 0x80) return der.subarray(0, 2 + first);
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || der.length < 2 + octets) return undefined;
  const length = der.subarray(2, 2 + octets).reduce((n, byte) => n * 256 + byte, 0);
  return der.length < 2 + octets + length ? undefined : der.subarray(0, 2 + octets + length);
}
