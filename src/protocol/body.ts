// Request bodies of the control API: JSON only, at most BODY_LIMIT bytes. A rejected body
// is still read to its end (up to a cap), so a client that is still writing gets our 4xx
// answer instead of a reset connection.
import type { IncomingMessage } from 'node:http';
import { HotcycleError } from '../errors.ts';

export const BODY_LIMIT = 64 * 1024;
/** Past this much, a rejected body is not worth reading: the connection is dropped. */
const DISCARD_LIMIT = 16 * BODY_LIMIT;

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? 'application/json';
  if (!/^application\/json\b/i.test(type)) {
    await readCapped(req, 0);
    throw new HotcycleError('control', 'EMEDIATYPE', `expected Content-Type application/json, got ${type}`);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  // A body announced past the discard cap is not read at all: answer now and close.
  const { text, size } = declared > DISCARD_LIMIT ? { text: '', size: declared } : await readCapped(req, declared > BODY_LIMIT ? 0 : BODY_LIMIT);
  if (declared > BODY_LIMIT || size > BODY_LIMIT) {
    throw new HotcycleError('control', 'ETOOLARGE', `request body over ${BODY_LIMIT} bytes`);
  }
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HotcycleError('control', 'EBADREQUEST', 'request body is not valid JSON', { detail: (error as Error).message });
  }
}

/** Reads the whole body, keeping at most `keep` bytes; rejects when the client goes away. */
export function readCapped(req: IncomingMessage, keep: number): Promise<{ text: string; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= keep) chunks.push(chunk);
      else if (size > DISCARD_LIMIT) req.destroy(new HotcycleError('control', 'ETOOLARGE', `request body over ${DISCARD_LIMIT} bytes; connection dropped`));
    });
    req.once('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), size }));
    req.once('error', reject);
  });
}
