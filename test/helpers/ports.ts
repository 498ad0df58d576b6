// Ports for tests that need a real, currently free TCP port.
import { createServer } from 'node:net';

/**
 * A port that was free a moment ago: listen on port 0, read the port the kernel chose,
 * close. Another process could take it in between; tests on a private machine accept that.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
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
      server.close(() => resolve(address.port));
    });
  });
}
