// `hotcycle/worker`: what a Node server needs to run under `hotcycle master`.
//
//   import { serve } from 'hotcycle/worker';
//   await serve(http.createServer(handler), { listener: 'http' });
//
// serve() (1) listens on the inherited socket named in LISTEN_FDNAMES, (2) reports ready
// on HOTCYCLE_NOTIFY_FD, and on SIGTERM/SIGINT/SIGQUIT (3) stops accepting — the socket
// stays open in the master and the new workers, so no connection is refused — (4)
// answers every further request on an open connection with `Connection: close`, (5)
// closes connections left idle after a short grace, and (6) exits when the last one ends.
import { writeSync, closeSync } from 'node:fs';
import { Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

export interface InheritedListener {
  name: string;
  fd: number;
}

/** The sockets this process inherited (systemd's sd_listen_fds convention). */
export function inheritedListeners(env: NodeJS.ProcessEnv = process.env, pid = process.pid): InheritedListener[] {
  const count = Number(env.LISTEN_FDS ?? 0);
  if (!count || Number(env.LISTEN_PID) !== pid) return [];
  const names = (env.LISTEN_FDNAMES ?? '').split(':');
  return Array.from({ length: count }, (_, i) => ({ name: names[i] || `fd${3 + i}`, fd: 3 + i }));
}

export function listenerFd(name?: string): number {
  const all = inheritedListeners();
  const found = name === undefined ? all[0] : all.find((l) => l.name === name);
  if (!found) {
    const have = all.map((l) => l.name).join(', ') || 'none (is this running under hotcycle master?)';
    throw new Error(`no inherited listener${name ? ` named "${name}"` : ''}; inherited: ${have}`);
  }
  return found.fd;
}

/** Tells the master this worker serves (notify mode). Safe to call more than once. */
export function notifyReady(env: NodeJS.ProcessEnv = process.env): void {
  const fd = Number(env.HOTCYCLE_NOTIFY_FD);
  if (!Number.isInteger(fd) || fd < 3) return;
  delete env.HOTCYCLE_NOTIFY_FD;
  writeSync(fd, 'READY=1\n');
  closeSync(fd);
}

export interface ServeOptions {
  /** Which inherited listener; the first when omitted. */
  listener?: string;
  /** How long a keep-alive connection must have been idle before a drain closes it
   *  (default: the server's keepAliveTimeout, 5 s in Node). */
  idleGraceMs?: number;
  /** Runs once draining starts, before waiting for connections (flush, close pools…). */
  onShutdown?: (signal: NodeJS.Signals) => void | Promise<void>;
  /** Exit when drained (default true). */
  exit?: boolean;
}

export async function serve(server: HttpServer, options: ServeOptions = {}): Promise<void> {
  const connections = new Map<Socket, { active: number; idleSince: number }>();
  let draining = false;
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { active: 0, idleSince: Date.now() });
    socket.once('close', () => connections.delete(socket));
  });
  // Runs before the app's handler sees the request: once draining, every answer closes.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const state = connections.get(req.socket);
    if (state) state.active++;
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      if (!state) return;
      state.active--;
      state.idleSince = Date.now();
      if (draining && state.active === 0) req.socket.end();
    });
  });
  // (1)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd: listenerFd(options.listener) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // (2)
  notifyReady();
  const drain = async (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    // (3) net.Server's close stops accepting; http.Server's would also drop idle
    // keep-alive connections at once, racing clients that are about to reuse them.
    const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    await options.onShutdown?.(signal);
    // (4) is the request listener above. (5) An idle connection is closed only once it has
    // been idle for the grace, as keepAliveTimeout would close it anyway: a client that sends
    // its next request within that time gets an answer (with `Connection: close`), not a reset.
    const grace = options.idleGraceMs ?? server.keepAliveTimeout;
    for (const [socket, state] of connections) {
      if (state.active > 0) continue;
      const left = Math.max(0, state.idleSince + grace - Date.now());
      setTimeout(() => {
        if (state.active === 0) socket.end();
      }, left).unref();
    }
    // (6)
    await closed;
    if (options.exit ?? true) process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) process.on(signal, () => void drain(signal));
}

export const generation = Number(process.env.HOTCYCLE_GENERATION ?? 0);
export const configDir = process.env.HOTCYCLE_CONFIG_DIR ?? process.cwd();
