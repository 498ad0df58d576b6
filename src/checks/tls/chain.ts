// The chain of a certificate file judged as a verifying client builds it (RFC 5280 path building,
// as OpenSSL's X509_verify_cert does with the served certificates as untrusted ones). Pure.
//   (1) The leaf is the first certificate; duplicates later in the file are ignored.
//   (2) A later certificate that the first one signed means the file starts with an issuer
//       (misordered): refused, nginx would serve the issuer as its own certificate.
//   (3) From the leaf, each certificate's issuers are those of the file that bear its issuer's
//       name and whose key verifies its signature; a self-signed one ends the path. Certificates
//       that bear the name but did not sign it (a stale intermediate after a CA key change), with
//       no other that did, are refused: every client fails.
//   (4) A leaf whose issuer is not in the file and that is not self-signed is a notice: clients
//       that do not have that intermediate fail.
//   (5) A certificate on no path from the leaf is a notice: nginx sends it, clients skip it.
//   (6) Every certificate on the path must be valid now. Where the file offers several paths
//       (cross-signed issuers), one whose certificates are all valid is enough.
import type { X509Certificate } from 'node:crypto';

export interface ChainFinding {
  severity: 'error' | 'notice';
  message: string;
}

/** A certificate with its 1-based position in the file. */
interface Placed { cert: X509Certificate; n: number }

export function judgeChain(certificates: readonly X509Certificate[], now: Date): ChainFinding[] {
  const placed = distinct(certificates); // (1)
  const leaf = placed[0];
  if (!leaf) return [];
  const misordered = issuedByFirst(certificates); // (2)
  if (misordered) {
    return [error(`certificate ${misordered} was issued by certificate 1: the leaf must come first, then its issuers (the file starts with an issuer)`)];
  }
  const { findings, reached } = buildPath(leaf, placed);
  for (const p of placed) if (!reached.has(p)) findings.push(notice(`certificate ${p.n} is on no path from the leaf: nginx sends it, clients ignore it`)); // (5)
  findings.push(...invalidOnPath(leaf, placed, now).map(error)); // (6)
  return findings;
}

/** (3), (4) Every certificate a path from the leaf reaches (or that was refused on the way). */
function buildPath(leaf: Placed, placed: readonly Placed[]): { findings: ChainFinding[]; reached: Set<Placed> } {
  const findings: ChainFinding[] = [];
  const reached = new Set<Placed>([leaf]);
  const refused = new Set<Placed>();
  for (const current of reached) { // a Set iterates what is added while iterating
    if (selfSigned(current.cert)) continue;
    const named = placed.filter((p) => p !== current && p.cert.subject === current.cert.issuer);
    const signers = named.filter((p) => signedBy(current.cert, p.cert));
    if (named.length > 0 && signers.length === 0) {
      named.forEach((p) => refused.add(p));
      findings.push(error(`certificate ${named.map((p) => p.n).join(', ')} bears the name of the issuer of certificate ${current.n} but did not sign it (an intermediate from before a CA key change?): every client fails`));
    }
    if (current === leaf && named.length === 0) findings.push(notice("the leaf's issuer is not in the file: clients without that intermediate will fail")); // (4)
    for (const signer of signers) reached.add(signer);
  }
  return { findings, reached: new Set([...reached, ...refused]) };
}

/** (2) The place of a certificate that the file's first one issued (then that is no leaf), or 0. */
export function issuedByFirst(certificates: readonly X509Certificate[]): number {
  const [leaf, ...rest] = distinct(certificates);
  return rest.find((p) => leaf && signedBy(p.cert, leaf.cert))?.n ?? 0;
}

/** (6) Why the best path from `from` up is not valid now; [] when one path is. */
function invalidOnPath(from: Placed, placed: readonly Placed[], now: Date, seen = new Set<Placed>()): string[] {
  const own = validity(from, now);
  if (own || selfSigned(from.cert)) return own ? [own] : [];
  seen.add(from);
  const signers = placed.filter((p) => !seen.has(p) && p.cert.subject === from.cert.issuer && signedBy(from.cert, p.cert));
  let first: string[] | undefined;
  for (const signer of signers) {
    const problems = invalidOnPath(signer, placed, now, seen);
    if (problems.length === 0) return [];
    first ??= problems;
  }
  seen.delete(from);
  return first ?? [];
}

function validity({ cert, n }: Placed, now: Date): string | undefined {
  // The leaf keeps the wording it always had; an issuer is named by its place in the file.
  const which = n === 1 ? 'certificate' : `certificate ${n} of the chain (an issuer of the leaf)`;
  const clients = n === 1 ? '' : ': clients cannot verify the chain (nginx -t does not check dates)';
  if (now < cert.validFromDate) return `${which} is not valid before ${cert.validFromDate.toISOString()}${clients}`;
  if (now > cert.validToDate) return `${which} expired on ${cert.validToDate.toISOString()}${clients}`;
  return undefined;
}

function distinct(certificates: readonly X509Certificate[]): Placed[] {
  const seen = new Set<string>();
  const placed: Placed[] = [];
  for (const [i, cert] of certificates.entries()) {
    if (seen.has(cert.fingerprint256)) continue;
    seen.add(cert.fingerprint256);
    placed.push({ cert, n: i + 1 });
  }
  return placed;
}

export function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  if (cert.issuer !== issuer.subject) return false;
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false; // a key of another type than the signature's
  }
}

/** Self-issued and verified by its own key: a root, where every path ends. */
export function selfSigned(cert: X509Certificate): boolean {
  return signedBy(cert, cert);
}

const error = (message: string): ChainFinding => ({ severity: 'error', message });
const notice = (message: string): ChainFinding => ({ severity: 'notice', message });
