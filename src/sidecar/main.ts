// `hotcycle sidecar`: wires the source watcher, the gate's serial loop, the publisher, the link to
// the master, metrics and probes, the control socket and (in a cluster) Kubernetes reporting.
// At start it publishes the current source before the master needs it, then reconciles; the
// first SIGTERM or SIGINT closes everything and exits 0.
import { mkdir } from 'node:fs/promises';
import type { SchemaMapping } from '../config/types.ts';
import type { Logger } from '../log.ts';
import { startControlServer } from '../protocol/server.ts';
import { sidecarRoutes } from './control.ts';
import { MasterLink } from './drive.ts';
import { shortHash } from '../configset/fileset.ts';
import type { SidecarDriver } from './gate.ts';
import { setUpKube } from './kube-setup.ts';
import { SidecarMetrics } from './metrics.ts';
import { OutcomeRecorder } from './outcomes.ts';
import { startProbeServer } from './probe-server.ts';
import { Publisher } from './publish.ts';
import { inspectSource } from './source.ts';
import { collectStatus } from './status.ts';
import { Syncer } from './syncer.ts';
import { SourceWatcher } from './watch.ts';

export interface SidecarOptions {
  sourceDir: string;
  liveDir: string;
  masterSocket: string;
  socketPath: string;
  listen: string;
  driver: SidecarDriver;
  debounceMs: number;
  debounceMaxMs: number;
  resyncMs: number;
  schemas: readonly SchemaMapping[];
  /** `--watch-configmap NAME`; '' for none. */
  configMap: string;
  /** HOTCYCLE_KUBE_ROOT: where the service-account directory is rooted; '' is `/`. */
  kubeRoot: string;
  logger: Logger;
}

export async function runSidecar(options: SidecarOptions): Promise<number> {
  const { logger, sourceDir, liveDir } = options;
  const startedAt = new Date();
  const source = await inspectSource(sourceDir);
  if (source.warning) logger.warn(source.warning, { event: 'source.warning', kind: source.kind, dir: sourceDir });
  await mkdir(liveDir, { recursive: true });
  const publisher = await Publisher.open(liveDir);
  const metrics = new SidecarMetrics();
  const recorder = new OutcomeRecorder(logger, metrics);
  const link = new MasterLink({ socketPath: options.masterSocket, logger });
  const syncer = new Syncer({ sourceDir, publisher, link, check: { driver: options.driver, schemas: options.schemas }, events: recorder });
  const kube = await setUpKube({
    logger, root: options.kubeRoot, configMap: options.configMap, onOutcome: (o) => metrics.kubeOutcome(o),
    onData: (files, rv) => syncer.request({ origin: 'api', files, reason: `configmap ${options.configMap} resourceVersion ${rv}` }),
  });
  if (kube.reporter) recorder.attach(kube.reporter);
  const watcher = await SourceWatcher.start({
    dir: sourceDir, debounceMs: options.debounceMs, debounceMaxMs: options.debounceMaxMs, resyncMs: options.resyncMs, logger,
    onChange: () => void syncer.request({ origin: 'volume', reason: 'source changed' }),
    onResync: () => void syncer.request({ origin: 'volume', reason: 'resync', resync: true }),
  });
  recorder.onMissed = () => watcher.noteMissed();
  // (first) publish the current source at once: the app container starts after /startupz.
  const first = syncer.request({ origin: 'volume', reason: 'start' });
  const probes = await startProbeServer(options.listen, metrics.registry, {
    started: () => publisher.current() !== null,
    healthy: () => watcher.health().healthy,
    ready: () => syncer.applied(),
  });
  const control = await startControlServer({
    socketPath: options.socketPath, logger,
    routes: sidecarRoutes({
      sync: (request) => syncer.request(request),
      status: () => collectStatus({ startedAt, driver: options.driver, sourceDir, liveDir, syncer, watcher, link, kube: () => kube.status() }),
    }),
  });
  // Handled from before the line that says the sidecar runs: a SIGTERM sent on reading it closes gracefully.
  const stopping = stopSignal();
  logger.info('sidecar running', {
    event: 'sidecar.started', source: sourceDir, sourceKind: source.kind, live: liveDir, metricsPort: probes.port, socket: options.socketPath,
  });
  void first.then((result) => logger.info(`first sync: ${result.outcome}`, {
    event: 'sidecar.first-sync', outcome: result.outcome, configHash: result.configHash, short: shortHash(result.configHash),
  }), () => undefined);
  const signal = await stopping;
  logger.info(`${signal}: closing`, { event: 'sidecar.shutdown', signal });
  await watcher.close();
  await syncer.close();
  await Promise.all([control.close(), kube.close(), probes.close(), publisher.close()]);
  logger.info('sidecar exiting', { event: 'sidecar.exit', code: 0 });
  return 0;
}

function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}
