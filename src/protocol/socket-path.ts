// Where a control socket may be created: its directory is made 0770 when hotcycle
// creates it; a stale socket file left by a dead process is replaced, a live one is
// never stolen, and a path that is not a socket is never deleted.
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { HotcycleError } from '../errors.ts';

export async function prepareSocketPath(socketPath: string): Promise<void> {
  // mkdir's mode is filtered by the umask; chmod says exactly what we mean.
  if (await mkdir(dirname(socketPath), { recursive: true })) await chmod(dirname(socketPath), 0o770);
  const stat = await lstat(socketPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!stat) return;
  if (!stat.isSocket()) {
    throw new HotcycleError('control', 'EEXIST', `${socketPath} exists and is not a socket; refusing to replace it`);
  }
  if (await isLive(socketPath)) {
    throw new HotcycleError('control', 'EADDRINUSE', `${socketPath} is in use by a running process`, {
      detail: 'another hotcycle is serving this socket; stop it or choose another --socket',
    });
  }
  await unlink(socketPath);
}

export async function removeSocket(socketPath: string): Promise<void> {
  await unlink(socketPath).catch(() => undefined);
}

function isLive(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
