// A config set as one compressed blob, for the last-good Secret (sidecar/sync/last-good.ts): gzip of
// the JSON object `{"format":1,"files":{NAME: base64}}`. Names and bytes round-trip exactly, so
// the unpacked set hashes to the hash it was stored under; unpackSet checks that it does.
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { errorMessage, HotcycleError } from '../errors.ts';
import { fileSetFrom, hashFileSet, type FileSet } from './fileset.ts';

const FORMAT = 1;
/** Inflated bytes accepted: a corrupt or hostile blob must not exhaust the sidecar's memory. */
const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;
const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export async function packSet(set: FileSet): Promise<Buffer> {
  const files = Object.fromEntries([...set].map(([name, content]) => [name, content.toString('base64')]));
  return gzipAsync(JSON.stringify({ format: FORMAT, files }), { level: 9 });
}

/** The set in `blob`; throws ELASTGOOD when it is not one, or does not hash to `hash`. */
export async function unpackSet(blob: Buffer, hash: string): Promise<FileSet> {
  let parsed: unknown;
  try {
    parsed = JSON.parse((await gunzipAsync(blob, { maxOutputLength: MAX_UNPACKED_BYTES })).toString('utf8'));
  } catch (error) {
    throw unusable(`not a packed config set: ${errorMessage(error)}`, error);
  }
  const { format, files } = (parsed ?? {}) as { format?: unknown; files?: unknown };
  if (format !== FORMAT || typeof files !== 'object' || files === null) throw unusable(`not a packed config set of format ${FORMAT}`);
  const entries = Object.entries(files as Record<string, unknown>);
  if (entries.some(([, content]) => typeof content !== 'string')) throw unusable('a file of the packed set is not base64 text');
  const set = fileSetFrom(entries.map(([name, content]) => [name, Buffer.from(content as string, 'base64')]));
  const actual = hashFileSet(set);
  if (actual !== hash) throw unusable(`the packed set hashes to ${actual}, not to ${hash} it was stored under`);
  return set;
}

function unusable(message: string, cause?: unknown): HotcycleError {
  return new HotcycleError('publish', 'ELASTGOOD', `the stored last-good config is unusable: ${message}`, { cause });
}
