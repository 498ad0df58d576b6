// PM2 in cluster mode running fixtures/pm2-demo-app.ts, for the side-by-side comparison with
// hotcycle. PM2 is installed for the bench only (scripts/bench.sh: `npm install --no-save
// --prefix .tools/pm2 pm2`), never a dependency. Its daemon runs with a private PM2_HOME in a
// temporary directory and is ended with `pm2 kill`. A reload is `pm2 reload NAME` with
// --wait-ready (each new worker sends 'ready') and a kill timeout longer than the app's drain.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fetchText } from '../helpers/load.ts';
import { alive, ROOT } from '../helpers/master.ts';

export const PM2_BIN = join(ROOT, '.tools/pm2/node_modules/pm2/bin/pm2');
const APP = join(ROOT, 'test/bench/fixtures/pm2-demo-app.ts');
const NAME = 'hotcycle-bench';
const START_TIMEOUT_MS = 30_000;

export class Pm2Cluster {
  readonly port: number;
  readonly #home: string;

  private constructor(port: number, home: string) {
    this.port = port;
    this.#home = home;
  }

  /** `pm2 start` of `instances` workers answering `message`; resolves once the port serves. */
  static async start(port: number, instances: number, message: string): Promise<Pm2Cluster> {
    if (!existsSync(PM2_BIN)) throw new Error(`PM2 is not installed in .tools/pm2: run \`npm run bench\` (scripts/bench.sh installs it)`);
    const pm2 = new Pm2Cluster(port, await mkdtemp(join(tmpdir(), 'hotcycle-bench-pm2-')));
    try {
      const messageFile = join(pm2.#home, 'message.txt');
      await writeFile(messageFile, message);
      await pm2.#run(['start', APP, '--name', NAME, '-i', String(instances), '--wait-ready', '--listen-timeout', '10000', '--kill-timeout', '10000'],
        { PORT: String(port), BENCH_MESSAGE_FILE: messageFile });
      await pm2.#serving();
    } catch (error) {
      await pm2.close();
      throw error;
    }
    return pm2;
  }

  /** `pm2 reload`; resolves with the command's wall time (it returns once every worker was replaced). */
  async reload(): Promise<number> {
    const started = performance.now();
    await this.#run(['reload', NAME]);
    return performance.now() - started;
  }

  /** Wall time of `pm2 ping`: what any pm2 command costs before it does its work. */
  async ping(): Promise<number> {
    const started = performance.now();
    await this.#run(['ping']);
    return performance.now() - started;
  }

  /** `pm2 kill`, then waits for the daemon to be gone: the command returns before it exits. */
  async close(): Promise<void> {
    const daemon = Number(await readFile(join(this.#home, 'pm2.pid'), 'utf8').catch(() => '0'));
    await this.#run(['kill']).catch(() => undefined);
    const deadline = performance.now() + START_TIMEOUT_MS;
    while (daemon > 0 && alive(daemon) && performance.now() < deadline) await delay(20);
    await rm(this.#home, { recursive: true, force: true });
  }

  // The daemon reports `online` before the cluster's port answers; the port is what wrk needs.
  async #serving(): Promise<void> {
    const deadline = performance.now() + START_TIMEOUT_MS;
    for (;;) {
      const answer = await fetchText(this.port).catch(() => null);
      if (answer?.status === 200) return;
      if (performance.now() > deadline) throw new Error(`PM2's cluster did not serve port ${this.port} within ${START_TIMEOUT_MS} ms`);
      await delay(20);
    }
  }

  async #run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
    const child = spawn(process.execPath, [PM2_BIN, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env, PM2_HOME: this.#home },
    });
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += String(c)));
    const [code] = await once(child, 'exit') as [number | null];
    if (code !== 0) throw new Error(`pm2 ${args.join(' ')} exited with ${code}:\n${stderr}`);
  }
}
