// A bounded load (loopback unless `host` names another address, a pod's, say): `connections`
// loops each sending requests one after another, over a new TCP connection per request or over
// one keep-alive connection per loop, until stopped or until `maxRequests` in all. It counts;
// tests assert on the counts.
import { Agent, get } from 'node:http';
import { Agent as TlsAgent, get as tlsGet } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadOptions {
  port: number;
  /** 127.0.0.1 unless given. */
  host?: string;
  path?: string;
  connections: number;
  keepAlive: boolean;
  maxRequests: number;
  /** HTTPS (any certificate: tests check it by fingerprint), else HTTP. */
  tls?: boolean;
  /** Each loop waits this long after each answer (a paced load, for a machine it shares); 0 unless given. */
  pauseMs?: number;
  /** The response header counted in `generations`; X-Generation unless given. */
  header?: string;
}

export interface LoadSummary {
  ok: number;
  failed: number;
  errors: Record<string, number>;
  /** Responses per value of the counted header (LoadOptions.header). */
  generations: Record<string, number>;
}

export class Load {
  readonly #options: LoadOptions;
  readonly #summary: LoadSummary = { ok: 0, failed: 0, errors: {}, generations: {} };
  #sent = 0;
  #stopping = false;
  #loops: Promise<void>[] = [];
  #firstOk: Promise<void>;
  #markFirstOk!: () => void;
  readonly #waiters: { count: number; resolve: () => void }[] = [];
  /** When a 200 first carried each value of the counted header, and who waits for one. */
  readonly #firstSeen = new Map<string, number>();
  readonly #seenWaiters: { value: string; resolve: (at: number) => void }[] = [];

  constructor(options: LoadOptions) {
    this.#options = options;
    this.#firstOk = new Promise((resolve) => (this.#markFirstOk = resolve));
  }

  start(): this {
    this.#loops = Array.from({ length: this.#options.connections }, () => this.#loop());
    return this;
  }

  /** Resolves once at least one request succeeded (the load is really flowing). */
  flowing(): Promise<void> {
    return this.#firstOk;
  }

  get completed(): number {
    return this.#summary.ok + this.#summary.failed;
  }

  /** Resolves once `count` requests have completed in all (ok or failed). */
  until(count: number): Promise<void> {
    if (this.completed >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Resolves with the time (Date.now()) a 200 first carried `value` in the counted header, past or future. */
  seen(value: string): Promise<number> {
    const at = this.#firstSeen.get(value);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve) => this.#seenWaiters.push({ value, resolve }));
  }

  #saw(value: string): void {
    if (this.#firstSeen.has(value)) return;
    const at = Date.now();
    this.#firstSeen.set(value, at);
    for (const waiter of this.#seenWaiters.filter((w) => w.value === value)) {
      this.#seenWaiters.splice(this.#seenWaiters.indexOf(waiter), 1);
      waiter.resolve(at);
    }
  }

  #completedOne(): void {
    for (const waiter of this.#waiters.filter((w) => this.completed >= w.count)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  async stop(): Promise<LoadSummary> {
    this.#stopping = true;
    await Promise.all(this.#loops);
    return this.#summary;
  }

  async #loop(): Promise<void> {
    const options = { keepAlive: true, maxSockets: 1 };
    const agent = !this.#options.keepAlive ? false : this.#options.tls ? new TlsAgent({ ...options, rejectUnauthorized: false }) : new Agent(options);
    const pauseMs = this.#options.pauseMs ?? 0;
    while (!this.#stopping && this.#sent < this.#options.maxRequests) {
      this.#sent++;
      await this.#request(agent);
      if (pauseMs > 0 && !this.#stopping) await sleep(pauseMs);
    }
    if (agent) agent.destroy();
  }

  #request(agent: Agent | false): Promise<void> {
    const summary = this.#summary;
    return new Promise((resolve) => {
      const fail = (why: string) => {
        summary.failed++;
        summary.errors[why] = (summary.errors[why] ?? 0) + 1;
        this.#completedOne();
        resolve();
      };
      const request = this.#options.tls ? tlsGet : get;
      const req = request({ host: this.#options.host ?? '127.0.0.1', port: this.#options.port, path: this.#options.path ?? '/', agent, rejectUnauthorized: false }, (res) => {
        res.resume();
        res.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
        res.on('end', () => {
          if (res.statusCode !== 200) return fail(`HTTP ${res.statusCode}`);
          const generation = String(res.headers[(this.#options.header ?? 'x-generation').toLowerCase()] ?? '?');
          summary.generations[generation] = (summary.generations[generation] ?? 0) + 1;
          this.#saw(generation);
          summary.ok++;
          this.#markFirstOk();
          this.#completedOne();
          resolve();
        });
      });
      req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
      req.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    });
  }
}

/** One GET; resolves with status, body and headers. */
export function fetchText(port: number, path = '/'): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

export interface Download {
  /** Headers arrived; the body waits, unread, until resume(). */
  responding: Promise<void>;
  resume(): void;
  /** The body's size once it has all been read. */
  done: Promise<number>;
}

/** GET over a fresh connection (HTTPS with `tls`) whose body is not read until resume(). */
export function download(port: number, path: string, options: { tls?: boolean } = {}): Download {
  let responding!: () => void;
  let resume = () => {};
  const started = new Promise<void>((resolve) => { responding = resolve; });
  const done = new Promise<number>((resolve, reject) => {
    const request = options.tls ? tlsGet : get;
    request({ host: '127.0.0.1', port, path, agent: false, rejectUnauthorized: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET ${path}: HTTP ${res.statusCode}`));
      res.pause(); // explicitly paused: the 'data' listener below does not start the flow
      resume = () => res.resume();
      responding();
      let bytes = 0;
      res.on('data', (chunk: Buffer) => { bytes += chunk.length; });
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    }).on('error', reject);
  });
  return { responding: started, resume: () => resume(), done };
}
