// OpenSSL's security level (SSL_CTX_set_security_level(3)), which nginx's OpenSSL applies when
// it loads a certificate and its chain: every certificate's key must have at least the level's
// bits of security ("ee key too small", "ca key too small"), and so must every signature but a
// self-signed certificate's own ("ca md too weak"). Debian builds OpenSSL with level 2; a
// `@SECLEVEL=N` in `ssl_ciphers` sets it per server. Pure.
import type { X509Certificate } from 'node:crypto';
import { selfSigned } from './chain.ts';

export const DEFAULT_LEVEL = 2;

/** Bits of security each level needs, level 0 needing none. */
const LEVEL_BITS = [0, 80, 112, 128, 192, 256] as const;
const LEVEL_SIZES = ['', 'RSA/DSA ≥ 1024 bits, ECC ≥ 160 bits, no SHA-1 or MD5 signatures', 'RSA/DSA ≥ 2048 bits, ECC ≥ 224 bits, no SHA-1 or MD5 signatures',
  'RSA/DSA ≥ 3072 bits, ECC ≥ 256 bits', 'RSA/DSA ≥ 7680 bits, ECC ≥ 384 bits', 'RSA/DSA ≥ 15360 bits, ECC ≥ 512 bits'] as const;

// X509_get_signature_info's bits: half the digest (OpenSSL 3 rates SHA-1 at 63 and MD5 at 39 so
// that level 1 refuses them); an EdDSA signature has its curve's strength.
const SIGNATURE_BITS: Readonly<Record<string, { bits: number; name: string }>> = {
  '1.2.840.113549.1.1.4': { bits: 39, name: 'MD5' }, '1.2.840.113549.1.1.5': { bits: 63, name: 'SHA-1' },
  '1.2.840.10045.4.1': { bits: 63, name: 'SHA-1' }, '1.2.840.10040.4.3': { bits: 63, name: 'SHA-1' },
  '1.2.840.113549.1.1.14': { bits: 112, name: 'SHA-224' }, '1.2.840.10045.4.3.1': { bits: 112, name: 'SHA-224' },
  '1.2.840.113549.1.1.11': { bits: 128, name: 'SHA-256' }, '1.2.840.10045.4.3.2': { bits: 128, name: 'SHA-256' },
  '1.2.840.113549.1.1.12': { bits: 192, name: 'SHA-384' }, '1.2.840.10045.4.3.3': { bits: 192, name: 'SHA-384' },
  '1.2.840.113549.1.1.13': { bits: 256, name: 'SHA-512' }, '1.2.840.10045.4.3.4': { bits: 256, name: 'SHA-512' },
  '1.3.101.112': { bits: 128, name: 'Ed25519' }, '1.3.101.113': { bits: 224, name: 'Ed448' },
};

/** The level a cipher string sets (its last `@SECLEVEL=N`), or the default. */
export function securityLevelOf(ciphers: string | undefined): number {
  const levels = [...(ciphers ?? '').matchAll(/@SECLEVEL=(\d+)/g)].map((m) => Number(m[1]));
  return Math.min(levels.at(-1) ?? DEFAULT_LEVEL, LEVEL_BITS.length - 1);
}

/** Why certificates of the file break `level`; certificates numbered by their place in it. */
export function checkSecurityLevel(certificates: readonly X509Certificate[], level: number): string[] {
  const need = LEVEL_BITS[level] ?? 0;
  if (need === 0) return [];
  const limit = `OpenSSL security level ${level} needs ${need} bits of security (${LEVEL_SIZES[level] ?? ''})`;
  const problems: string[] = [];
  for (const [i, cert] of certificates.entries()) {
    const which = i === 0 ? 'the leaf' : `certificate ${i + 1} of the chain`;
    const key = keyStrength(cert);
    if (key && key.bits < need) problems.push(`${which} has ${key.name} (${key.bits} bits of security): ${limit}; nginx refuses it (${i === 0 ? 'ee' : 'ca'} key too small)`);
    const signature = SIGNATURE_BITS[cert.signatureAlgorithmOid ?? ''];
    // A self-signed certificate's own signature proves nothing; OpenSSL does not judge it.
    if (signature && signature.bits < need && !selfSigned(cert)) {
      problems.push(`${which} is signed with ${signature.name} (${signature.bits} bits of security): ${limit}; nginx refuses it (ca md too weak)`);
    }
  }
  return problems;
}

function keyStrength(cert: X509Certificate): { bits: number; name: string } | undefined {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return { bits: rsaSecurityBits(details.modulusLength ?? 0), name: `an RSA key of ${details.modulusLength ?? 0} bits` };
    case 'dsa':
    case 'dh':
      return { bits: finiteFieldBits(details.modulusLength ?? 0, details.divisorLength), name: `a ${key.asymmetricKeyType.toUpperCase()} key of ${details.modulusLength ?? 0} bits` };
    case 'ec': {
      const size = Number(/\d{3}/.exec(details.namedCurve ?? '')?.[0] ?? 0);
      return size > 0 ? { bits: Math.floor(size / 2), name: `an EC key on ${details.namedCurve ?? ''} (${size} bits)` } : undefined;
    }
    case 'ed25519':
      return { bits: 128, name: 'an Ed25519 key' };
    case 'ed448':
      return { bits: 224, name: 'an Ed448 key' };
    default:
      return undefined; // left to nginx -t
  }
}

/** OpenSSL 3's RSA_security_bits (ossl_ifc_ffc_compute_security_bits): SP 800-56B's formula. */
export function rsaSecurityBits(n: number): number {
  const canonical: Readonly<Record<number, number>> = { 2048: 112, 3072: 128, 4096: 152, 6144: 176, 7680: 192, 8192: 200, 15360: 256 };
  if (canonical[n] !== undefined) return canonical[n];
  if (n < 8) return 0;
  const x = n * Math.LN2;
  const y = Math.floor((1.923 * Math.cbrt(x * Math.log(x) ** 2) - 4.69) / Math.LN2);
  const cap = n <= 7680 ? 192 : n <= 15360 ? 256 : 1200;
  return Math.min((y + 4) & ~7, cap);
}

/** BN_security_bits: DSA and DH by the sizes of p (L) and q (N). */
function finiteFieldBits(l: number, n: number | undefined): number {
  const steps: [number, number][] = [[15360, 256], [7680, 192], [3072, 128], [2048, 112], [1024, 80]];
  const bits = steps.find(([size]) => l >= size)?.[1] ?? 0;
  if (bits === 0 || n === undefined) return bits;
  return n / 2 < 80 ? 0 : Math.min(bits, Math.floor(n / 2));
}
