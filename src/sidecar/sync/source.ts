// What the source directory is, decided once at start so the operator learns about a mount
// that can never update: kubelet never refreshes a `subPath` mount of a ConfigMap, so a source
// mounted that way would silently stay on its first version forever.
import { lstatSync } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR } from '../../configset/fileset.ts';

export type SourceKind = 'kubelet' | 'plain' | 'file' | 'missing';

export interface SourceInfo {
  kind: SourceKind;
  /** Set when the source cannot work as mounted, or may not. */
  warning?: string;
}

const SUBPATH_ADVICE = 'kubelet never updates subPath mounts: mount the ConfigMap volume as a directory (no subPath)';

export async function inspectSource(dir: string): Promise<SourceInfo> {
  const info = await stat(dir).catch(() => null);
  if (!info) return { kind: 'missing', warning: `source ${dir} does not exist (yet); waiting for it` };
  if (!info.isDirectory()) {
    return { kind: 'file', warning: `source ${dir} is not a directory: it looks like a subPath mount of one key; ${SUBPATH_ADVICE}` };
  }
  if (hasDataLink(dir)) return { kind: 'kubelet' };
  if (await exists(path.join(path.dirname(dir), DATA_DIR))) {
    return { kind: 'plain', warning: `source ${dir} has no ${DATA_DIR} but its parent does: it looks like a subPath mount; ${SUBPATH_ADVICE}` };
  }
  return { kind: 'plain' };
}

/** A kubelet-managed volume (or our own live directory) has the `..data` link. */
export function hasDataLink(dir: string): boolean {
  try {
    lstatSync(path.join(dir, DATA_DIR));
    return true;
  } catch {
    return false;
  }
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(() => true, () => false);
}
