// The pure decisions of the sync loop (syncer.ts): what to do with a version just read, and
// what to do after the master failed to reload one. No I/O; table-tested in
// test/sidecar/sync/syncer.test.ts and test/sidecar/sync/rollback.test.ts.
import type { ErrorInfo } from '../../errors.ts';
import type { SyncOrigin } from '../../protocol/sidecar.ts';
import { NOT_TRIED, UNCONFIRMED } from '../../protocol/types.ts';

/**
 * What the loop remembers of the versions it has judged: the last one per origin, and the last
 * one from either. A version is remembered only once judged (rejected by the checks, or
 * accepted); one whose checks could not run is not, so the next sync reads it as new.
 */
export interface SeenVersions {
  readonly volume: string;
  readonly api: string;
  readonly last: string;
}

export const NOTHING_SEEN: SeenVersions = Object.freeze({ volume: '', api: '', last: '' });

export interface VersionRead {
  origin: SyncOrigin;
  hash: string;
  force: boolean;
  /** The slow re-hash: a change it finds was missed by the watcher. */
  resync: boolean;
  /** The API delivered this (volume) version earlier and a newer one after it. */
  superseded: boolean;
}

/** (2) of syncer.ts. `missed`: the re-hash found a volume version no event announced. */
export type VersionDecision =
  | { kind: 'stale' }
  | { kind: 'unchanged'; missed: boolean }
  | { kind: 'check'; missed: boolean };

export function decideVersion(seen: SeenVersions, read: VersionRead): VersionDecision {
  if (!read.force && read.origin === 'volume' && read.superseded) return { kind: 'stale' };
  const newForOrigin = read.hash !== seen[read.origin];
  const missed = read.resync && read.origin === 'volume' && newForOrigin && seen.volume !== '';
  if (!read.force && (!newForOrigin || read.hash === seen.last)) return { kind: 'unchanged', missed };
  return { kind: 'check', missed };
}

/** `hash` from `origin` has been judged (or, when stale or unchanged, looked at). */
export function noteSeen(seen: SeenVersions, origin: SyncOrigin, hash: string, judged: boolean): SeenVersions {
  return { ...seen, [origin]: hash, last: judged ? hash : seen.last };
}

/**
 * What becomes of a version the master did not take (syncer.ts (6)): the previous version put
 * back, or the rejected one left live — both remembered as failed, never retried — or, when the
 * failure says nothing against it, nothing remembered: the next sync (the re-hash at the latest)
 * tries it again.
 */
export type Rollback =
  | { kind: 'restored'; hash: string }
  | { kind: 'kept' }
  | { kind: 'retry'; why: 'unconfirmed' | 'not-tried' };

/** What to do after a failed reload, from the master's answer. */
export function afterFailedReload(error: ErrorInfo | undefined, running: string | null, previous: string | null): Rollback | { kind: 'restore' } {
  if (error?.code === UNCONFIRMED) return { kind: 'retry', why: 'unconfirmed' };
  if (error?.code === NOT_TRIED) return { kind: 'retry', why: 'not-tried' };
  return running !== null && previous === running ? { kind: 'restore' } : { kind: 'kept' };
}
