// Who is on the other end of a control connection: SO_PEERCRED through the addon, for the
// audit line every state-changing request gets ("reload requested by pid 4242, uid 0").
// Access itself is the socket file's 0660: this only records who used it.
import type { Socket } from 'node:net';
import { peerCred, type PeerCred } from '../native.ts';

const peers = new WeakMap<Socket, PeerCred | null>();

export function peerOf(socket: Socket): PeerCred | null {
  if (!peers.has(socket)) peers.set(socket, readPeer(socket));
  return peers.get(socket) ?? null;
}

function readPeer(socket: Socket): PeerCred | null {
  // Node keeps an accepted connection's descriptor on its handle and has no public getter.
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (fd === undefined || fd < 0) return null;
  try {
    return peerCred(fd);
  } catch {
    return null;
  }
}
