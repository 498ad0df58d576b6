// A temporary root for one test file, removed after it; each case gets a fresh directory in it.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

export class Scratch {
  #root = '';
  #counter = 0;

  /** Registers the file's before/after hooks that create and remove the root. */
  static forFile(prefix: string): Scratch {
    const scratch = new Scratch();
    before(async () => {
      scratch.#root = await mkdtemp(join(tmpdir(), prefix));
    });
    after(() => rm(scratch.#root, { recursive: true, force: true }));
    return scratch;
  }

  /** A new, empty directory for one case. */
  async dir(): Promise<string> {
    const dir = join(this.#root, `case-${++this.#counter}`);
    await mkdir(dir);
    return dir;
  }

  /** A path under the root that no case created. */
  path(name: string): string {
    return join(this.#root, name);
  }
}
