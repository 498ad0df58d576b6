// The listening sockets a cycle holds, as nginx's ngx_init_cycle treats them: the new
// configuration's listeners are matched to the old cycle's by canonical address (a pure
// plan), matching sockets are carried over as they are, only the missing ones are opened,
// and a failed open closes exactly what it opened. The old cycle's unmatched sockets are
// closed by the caller after the commit, never here.
import { lstatSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { errorMessage, HotcycleError, osErrorCode, type ErrorCode } from '../errors.ts';
import type { ListenAddress } from '../config/address.ts';
import type { ListenerConfig } from '../config/types.ts';
import { closeFd, listenTcp, listenUnix } from '../native.ts';

/** A listener as the configuration declares it: its address parsed and keyed by the loader. */
export type ListenerSpec = ListenerConfig;

/** An open listening socket the master holds (and never accepts on). */
export interface Listener {
  readonly name: string;
  readonly key: string;
  readonly address: ListenAddress;
  readonly fd: number;
}

/** `index` is the entry's position in the new configuration: workers get fd 3 + index. */
export interface ReuseEntry {
  readonly index: number;
  readonly spec: ListenerSpec;
  readonly listener: Listener;
}

export interface OpenEntry {
  readonly index: number;
  readonly spec: ListenerSpec;
}

export interface ListenerPlan {
  readonly reuse: readonly ReuseEntry[];
  readonly open: readonly OpenEntry[];
  /** Old listeners no longer configured, in the old order: close them after the commit. */
  readonly close: readonly Listener[];
}

/**
 * Pure: matches `next` to `old` by canonical key. Names may change between cycles; the
 * socket is identified by its address. The loader has parsed every address and refused two
 * listeners on one socket, so nothing here can fail.
 */
export function planListeners(old: readonly Listener[], next: readonly ListenerSpec[]): ListenerPlan {
  const byKey = new Map(old.map((listener) => [listener.key, listener]));
  const reuse: ReuseEntry[] = [];
  const open: OpenEntry[] = [];
  next.forEach((spec, index) => {
    const listener = byKey.get(spec.key);
    if (listener) reuse.push({ index, spec, listener });
    else open.push({ index, spec });
  });
  const reused = new Set(reuse.map((entry) => entry.listener));
  const close = old.filter((listener) => !reused.has(listener));
  return { reuse, open, close };
}

// Sockets this process opened and has not closed, by fd, so that closing is idempotent
// (a reused socket appears in two cycles' lists) and a unix socket file is removed only
// while it is still the one we bound (same device and inode).
interface OwnedSocket {
  readonly key: string;
  readonly file?: { readonly dev: number; readonly ino: number };
}
const owned = new Map<number, OwnedSocket>();

/** How many listening sockets this process holds: tests and the cycle assert no leak. */
export function openListenerCount(): number {
  return owned.size;
}

/**
 * Applies a plan: returns the new cycle's listeners in configuration order, reused ones
 * carried (same fd; the same object unless renamed), new ones opened. If an open fails, the sockets this call
 * opened are closed again — never a reused one — and HotcycleError('open', <errno code>)
 * names the address.
 */
export function openListeners(plan: ListenerPlan, backlog = 511): Listener[] {
  const result: Listener[] = [];
  for (const { index, spec, listener } of plan.reuse) {
    if (owned.get(listener.fd)?.key !== listener.key) {
      throw new HotcycleError('open', 'ECLOSED', `listener "${spec.name}" (${listener.key}) is already closed`);
    }
    result[index] = listener.name === spec.name ? listener : Object.freeze({ ...listener, name: spec.name });
  }
  const opened: Listener[] = [];
  for (const entry of plan.open) {
    try {
      const listener = openListener(entry, backlog);
      opened.push(listener);
      result[entry.index] = listener;
    } catch (error) {
      closeListeners(opened);
      throw openError(entry, error);
    }
  }
  return result;
}

/**
 * The listeners of `listeners` (openListeners' result for `plan`) that the plan opened:
 * what a rollback closes. Compare by position, not identity: a renamed reused socket is a
 * new object carrying the old fd.
 */
export function openedListeners(plan: ListenerPlan, listeners: readonly Listener[]): Listener[] {
  return plan.open.flatMap(({ index }) => listeners[index] ?? []);
}

function openListener({ spec }: OpenEntry, backlog: number): Listener {
  const { listen: address, key } = spec;
  if (address.kind === 'tcp') {
    const fd = listenTcp(address.host, address.port, backlog);
    owned.set(fd, { key });
    return Object.freeze({ name: spec.name, key, address, fd });
  }
  const fd = listenUnix(address.path, backlog);
  let stats: Stats;
  try {
    stats = statSync(address.path);
  } catch (error) {
    closeFd(fd);
    throw error;
  }
  owned.set(fd, { key, file: { dev: stats.dev, ino: stats.ino } });
  return Object.freeze({ name: spec.name, key, address, fd });
}

// What an operator can do about the common failures.
const HINTS: Readonly<Partial<Record<ErrorCode, string>>> = {
  EADDRINUSE: 'another socket is bound to this address (for unix: a live socket or a non-socket file is at the path)',
  EADDRNOTAVAIL: 'the IP address is not assigned to any interface of this host or pod',
  EACCES: 'permission denied: ports below 1024 need CAP_NET_BIND_SERVICE; unix paths need write access to the directory',
  ENOENT: 'the directory of the unix socket path does not exist (hotcycle does not create it)',
  ENOTDIR: 'a component of the unix socket path is not a directory',
  EMFILE: 'this process has too many open files',
};

function openError(entry: OpenEntry, error: unknown): HotcycleError {
  if (error instanceof HotcycleError) return error;
  const code = osErrorCode(error) ?? 'EOPEN';
  const reason = errorMessage(error);
  return new HotcycleError('open', code,
    `cannot listen on ${entry.spec.address} (listener "${entry.spec.name}"): ${reason}`,
    { detail: HINTS[code] ?? `while opening ${entry.spec.key}`, cause: error });
}

/**
 * Closes listening sockets and removes the unix socket files we bound. Idempotent per
 * socket. Never throws: it runs on rollback, commit and shutdown paths, where a failure to
 * close could only mask the error that matters.
 */
export function closeListeners(listeners: readonly Listener[]): void {
  for (const listener of listeners) {
    const socket = owned.get(listener.fd);
    if (socket?.key !== listener.key) continue;
    owned.delete(listener.fd);
    try {
      closeFd(listener.fd);
    } catch {
      // EBADF only: the descriptor is gone either way.
    }
    if (listener.address.kind === 'unix' && socket.file) removeSocketFile(listener.address.path, socket.file);
  }
}

function removeSocketFile(path: string, file: { dev: number; ino: number }): void {
  try {
    const stats = lstatSync(path);
    if (stats.isSocket() && stats.dev === file.dev && stats.ino === file.ino) unlinkSync(path);
  } catch {
    // Already gone, or replaced by someone else's file: nothing of ours to remove.
  }
}
