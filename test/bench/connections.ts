// Many idle keep-alive connections: each sends one request, reads the answer (so a worker of
// the current generation accepted it and it is now an idle keep-alive connection), then stays
// open. How each one ends is counted: closed by the server (FIN), or reset / failed.
import { connect, type Socket } from 'node:net';

export interface IdleOutcome {
  open: number;
  closedByServer: number;
  errors: Record<string, number>;
}

export class IdleConnections {
  readonly #sockets = new Set<Socket>();
  readonly #outcome: IdleOutcome = { open: 0, closedByServer: 0, errors: {} };
  readonly #closed: { count: number; resolve: () => void }[] = [];
  #ended = 0;

  /** Opens `count` connections to `port`, at most `concurrency` connecting at once. */
  static async open(port: number, count: number, concurrency = 200): Promise<IdleConnections> {
    const pool = new IdleConnections();
    let next = 0;
    let failed = false;
    const lane = async () => {
      while (next < count && !failed) {
        next++;
        await pool.#openOne(port);
      }
    };
    const lanes = Array.from({ length: Math.min(concurrency, count) }, lane);
    try {
      await Promise.all(lanes);
    } catch (error) {
      failed = true;
      await Promise.allSettled(lanes);
      pool.destroy();
      throw error;
    }
    return pool;
  }

  get outcome(): IdleOutcome {
    return { ...this.#outcome, open: this.#sockets.size - this.#ended, errors: { ...this.#outcome.errors } };
  }

  /** Resolves once every connection has ended, however. */
  allEnded(): Promise<void> {
    if (this.#ended === this.#sockets.size) return Promise.resolve();
    return new Promise((resolve) => this.#closed.push({ count: this.#sockets.size, resolve }));
  }

  destroy(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  #openOne(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      let answered = false;
      socket.setNoDelay(true);
      socket.setTimeout(15_000, () => socket.destroy(new Error('no answer within 15 s')));
      socket.once('connect', () => socket.write('GET / HTTP/1.1\r\nHost: bench\r\n\r\n'));
      socket.once('data', (chunk: Buffer) => {
        answered = true;
        socket.setTimeout(0);
        if (!chunk.subarray(0, 12).toString().startsWith('HTTP/1.1 200')) return reject(new Error(`unexpected answer: ${chunk.subarray(0, 40)}`));
        this.#sockets.add(socket);
        resolve();
      });
      socket.once('end', () => answered && this.#outcome.closedByServer++);
      socket.once('error', (e: NodeJS.ErrnoException) => {
        if (!answered) return reject(e); // never added: open() fails and the caller gives up
        const code = e.code ?? e.message;
        this.#outcome.errors[code] = (this.#outcome.errors[code] ?? 0) + 1;
      });
      socket.once('close', () => answered && this.#endedOne());
    });
  }

  #endedOne(): void {
    this.#ended++;
    for (const waiter of this.#closed.filter((w) => this.#ended >= w.count)) {
      this.#closed.splice(this.#closed.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}
