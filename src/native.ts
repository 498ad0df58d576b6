// The N-API addon (native/hotcycle.c): raw listening sockets the master holds but never
// accepts on, SO_PEERCRED, and real pipes for children's output. Loaded lazily on first use, so commands that never touch a
// socket (check, status, the sidecar) run without it, even when a chunk of the bundle they load holds this module.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { errorMessage, HotcycleError } from './errors.ts';

export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

/** What the addon exports; every call is synchronous and throws a NativeError. */
export interface NativeAddon {
  listenTcp(host: string, port: number, backlog: number): number;
  listenUnix(path: string, backlog: number): number;
  closeFd(fd: number): void;
  localPort(fd: number): number;
  peerCred(fd: number): PeerCred;
  pipe(): [number, number];
}

/** The addon's errors: Node's system-error shape (`code` is the errno name). */
export interface NativeError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

const FUNCTIONS = ['listenTcp', 'listenUnix', 'closeFd', 'localPort', 'peerCred', 'pipe'] as const;

let loaded: NativeAddon | undefined;

/**
 * Candidate paths, in order. HOTCYCLE_NATIVE, when set, is the only one: an explicit
 * override must not silently fall back to another build.
 */
export function nativeCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.HOTCYCLE_NATIVE) return [env.HOTCYCLE_NATIVE];
  return [
    fileURLToPath(new URL('./hotcycle.node', import.meta.url)), // dist/hotcycle.node beside the bundle
    fileURLToPath(new URL('../build/Release/hotcycle.node', import.meta.url)), // a source checkout
  ];
}

/** Loads the addon once; throws HotcycleError('open', 'ENATIVE') saying how to build it. */
export function loadNative(): NativeAddon {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const path of nativeCandidates()) {
    if (!existsSync(path)) {
      failures.push(`${path}: not found`);
      continue;
    }
    try {
      loaded = checkExports(require(path) as Partial<NativeAddon>, path);
      return loaded;
    } catch (error) {
      failures.push(`${path}: ${errorMessage(error)}`);
    }
  }
  throw new HotcycleError('open', 'ENATIVE', 'the native socket addon (hotcycle.node) could not be loaded', {
    detail: `${failures.join('\n')}\nBuild it with a C compiler installed: npm run build ` +
      '(or npm exec -- node-gyp rebuild), or point HOTCYCLE_NATIVE at a hotcycle.node file.',
  });
}

/** A stale build without every function would fail later and obscurely: refuse it here. */
function checkExports(module: Partial<NativeAddon>, path: string): NativeAddon {
  const missing = FUNCTIONS.filter((name) => typeof module[name] !== 'function');
  if (missing.length > 0) throw new Error(`${path} lacks ${missing.join(', ')} (an older build?)`);
  return module as NativeAddon;
}

export function isNativeError(error: unknown): error is NativeError {
  return error instanceof Error && typeof (error as Partial<NativeError>).code === 'string' &&
    typeof (error as Partial<NativeError>).syscall === 'string';
}

/** socket + SO_REUSEADDR (+ IPV6_V6ONLY) + bind + listen on a numeric IP; returns the fd. */
export function listenTcp(host: string, port: number, backlog: number): number {
  return loadNative().listenTcp(host, port, backlog);
}

/** bind + listen on a unix socket path, replacing a stale socket file, never a live one. */
export function listenUnix(path: string, backlog: number): number {
  return loadNative().listenUnix(path, backlog);
}

export function closeFd(fd: number): void {
  loadNative().closeFd(fd);
}

/** The bound TCP port of a socket (getsockname). */
export function localPort(fd: number): number {
  return loadNative().localPort(fd);
}

/** Credentials of the process at the other end of a connected unix socket (SO_PEERCRED). */
export function peerCred(fd: number): PeerCred {
  return loadNative().peerCred(fd);
}

/**
 * A pipe(2), both ends close-on-exec: [readFd, writeFd]. Unlike spawn()'s 'pipe' stdio (a
 * socketpair), a child can reopen it through /proc/self/fd (open("/dev/stdout")).
 */
export function pipe(): [number, number] {
  return loadNative().pipe();
}
