// A kubelet stand-in: updates a ConfigMap volume directory the way kubelet's AtomicWriter does
// (Kubernetes pkg/volume/util/atomic_writer.go): a new `..<timestamp>.<random>` directory, a
// `..data_tmp` symlink renamed over `..data`, top-level user-visible symlinks `name -> ..data/name`,
// then the old directory removed; and what a downwardAPI item of the Pod's annotations holds
// (formatDownwardMap, written into such a volume the same way). Written independently of src/sidecar/publish/atomic-writer.ts on
// purpose, so a test of one against the other does not compare the code with itself.
import { chmod, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type VolumeFiles = Record<string, string | Buffer>;

export class KubeletVolume {
  readonly dir: string;
  /** The volume's `defaultMode` (kubelet's default is 0644, for Secrets too). */
  readonly mode: number;

  constructor(dir: string, options: { defaultMode?: number } = {}) {
    this.dir = dir;
    this.mode = options.defaultMode ?? 0o644;
  }

  /** One kubelet sync. Like kubelet, an update whose files are all unchanged does not swap. */
  async update(files: VolumeFiles): Promise<void> {
    const oldTs = await readlink(path.join(this.dir, '..data')).catch(() => '');
    const oldFiles = oldTs ? await listFiles(path.join(this.dir, oldTs)) : [];
    const oldTop = new Set(oldFiles.map(topName));
    const newTop = new Set(Object.keys(files).map(topName));
    if (oldTs && (await sameContent(path.join(this.dir, oldTs), oldFiles, files))) return;

    const tsDir = await this.#writeVersion(files);
    // kubelet would fail on a `..data_tmp` left by a crash; the stand-in clears it so tests go on.
    await rm(path.join(this.dir, '..data_tmp'), { force: true });
    await symlink(path.basename(tsDir), path.join(this.dir, '..data_tmp'));
    await rename(path.join(this.dir, '..data_tmp'), path.join(this.dir, '..data'));
    for (const name of newTop) {
      const link = path.join(this.dir, name);
      if ((await readlink(link).catch(() => null)) === null) await symlink(`..data/${name}`, link);
    }
    for (const name of oldTop) if (!newTop.has(name)) await rm(path.join(this.dir, name), { force: true });
    if (oldTs) await rm(path.join(this.dir, oldTs), { recursive: true, force: true });
  }

  /** What a kill -9 between writing the new directory and the swap leaves behind; returns that directory. */
  async crashBeforeSwap(files: VolumeFiles): Promise<string> {
    return this.#writeVersion(files);
  }

  async #writeVersion(files: VolumeFiles): Promise<string> {
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-T:]/g, '_');
    const tsDir = await mkdtemp(path.join(this.dir, `..${stamp}.`));
    await chmod(tsDir, 0o755);
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(tsDir, name)), { recursive: true });
      await writeFile(path.join(tsDir, name), content);
      await chmod(path.join(tsDir, name), this.mode);
    }
    return tsDir;
  }
}

/**
 * A downwardAPI item of `metadata.annotations` or `metadata.labels` as kubelet writes it
 * (pkg/fieldpath FormatMap): `key="value"` lines, keys sorted, each value quoted by Go's %q
 * (strconv.Quote), no newline after the last.
 */
export function formatDownwardMap(map: Readonly<Record<string, string>>): string {
  return Object.keys(map).sort().map((key) => `${key}=${goQuote(map[key]!)}`).join('\n');
}

const GO_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"' };

/** strconv.Quote for valid UTF-8: printable runes as they are (Go's unicode.IsPrint, approximated by Unicode classes). */
function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (GO_ESCAPES[ch]) out += GO_ESCAPES[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (ch === ' ' || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch;
    else out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

function topName(name: string): string {
  return name.split('/')[0] ?? name;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

async function sameContent(dir: string, oldFiles: string[], files: VolumeFiles): Promise<boolean> {
  const names = Object.keys(files);
  if (names.length !== oldFiles.length) return false;
  for (const name of names) {
    const onDisk = await readFile(path.join(dir, name)).catch(() => null);
    if (!onDisk || !onDisk.equals(Buffer.from(files[name] ?? ''))) return false;
  }
  return true;
}
