// node --test --test-global-setup: one control plane for the whole run (see cluster.ts). The
// test processes the runner spawns inherit HOTCYCLE_CLUSTER and attach to it.
import { Cluster } from './cluster.ts';

let cluster: Cluster | undefined;

export async function globalSetup(): Promise<void> {
  const started = Date.now();
  cluster = await Cluster.start();
  process.env.HOTCYCLE_CLUSTER = JSON.stringify(cluster.info);
  process.stderr.write(`[hotcycle setup] control plane up at ${cluster.info.server} in ${Date.now() - started} ms\n`);
}

export async function globalTeardown(): Promise<void> {
  await cluster?.stop();
}
