// Ports for tests that need a real, currently free TCP port.
import { createServer, type Server } from 'node:net';

/**
 * A port that was free a moment ago: listen on port 0, read the port the kernel chose,
 * close. Another process could take it in between; tests on a private machine accept that.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port;
}

/**
 * `count` distinct ports that were free a moment ago. All are held at once before any is
 * released: ports taken one after another can repeat, since a closed port is free again for
 * the kernel's next choice (two listeners of one test then collide with EADDRINUSE).
 */
export function freePorts(count: 1, host?: string): Promise<[number]>;
export function freePorts(count: 2, host?: string): Promise<[number, number]>;
export function freePorts(count: 3, host?: string): Promise<[number, number, number]>;
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => listenOnAnyPort(host)));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function listenOnAnyPort(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`unexpected server address ${String(address)}`));
        return;
      }
      resolve(server);
    });
  });
}
