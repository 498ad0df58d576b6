// Splits a child's output stream into whole lines, so lines from several workers
// interleave cleanly in the master's log, and keeps the last few for error reports.
import type { Readable } from 'node:stream';

export function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  });
  stream.on('end', () => {
    if (pending) onLine(pending);
    pending = '';
  });
}

/** The last `max` lines seen, for "the worker's stderr tail" in error details. */
export class LineTail {
  readonly #lines: string[] = [];
  readonly #max: number;

  constructor(max = 20) {
    this.#max = max;
  }

  push(line: string): void {
    this.#lines.push(line.length > 500 ? line.slice(0, 500) + '…' : line);
    if (this.#lines.length > this.#max) this.#lines.shift();
  }

  toString(): string {
    return this.#lines.join('\n');
  }
}
