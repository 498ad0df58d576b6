// Follows a file the way `tail -F` does, on demand: each poll returns the whole lines
// appended since the last one. Starts at the end (history is not news), starts at 0 when the
// file appears or is replaced (new inode) or truncated (logrotate's copytruncate).
import { open, stat } from 'node:fs/promises';

const CHUNK = 64 * 1024;

export class FileFollower {
  readonly path: string;
  #offset = -1;
  #inode = -1;
  #pending = '';

  constructor(path: string) {
    this.path = path;
  }

  /** Skips what the file holds now; later polls return only what comes after. */
  async start(): Promise<void> {
    const info = await stat(this.path).catch(() => null);
    this.#inode = info ? info.ino : -1;
    this.#offset = info ? info.size : 0;
    this.#pending = '';
  }

  async poll(): Promise<string[]> {
    const info = await stat(this.path).catch(() => null);
    if (!info) return [];
    if (info.ino !== this.#inode || info.size < this.#offset) {
      this.#inode = info.ino;
      this.#offset = 0;
      this.#pending = '';
    }
    if (info.size === this.#offset) return [];
    const text = await this.#readFrom(this.#offset, info.size);
    const parts = (this.#pending + text).split('\n');
    this.#pending = parts.pop() ?? '';
    return parts;
  }

  async #readFrom(start: number, end: number): Promise<string> {
    const handle = await open(this.path, 'r');
    try {
      const chunks: Buffer[] = [];
      let position = start;
      while (position < end) {
        const buffer = Buffer.alloc(Math.min(CHUNK, end - position));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        chunks.push(buffer.subarray(0, bytesRead));
        position += bytesRead;
      }
      this.#offset = position;
      return Buffer.concat(chunks).toString('utf8');
    } finally {
      await handle.close();
    }
  }
}
