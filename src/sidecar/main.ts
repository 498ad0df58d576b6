// `hotcycle sidecar`: wires the source watcher, the gate's serial loop, the publisher, the link to
// the master, metrics and probes, the control socket and (in a cluster) Kubernetes reporting and
// the release's last good config. At start it publishes the current source (or, when that is
// rejected, the last good one) before the master needs it, then reconciles; the first SIGTERM
// or SIGINT closes everything and exits 0.
import { mkdir } from 'node:fs/promises';
import type { CheckOptions, SidecarDriver } from '../checks/gate.ts';
import type { CertificateInfo } from '../checks/tls/index.ts';
import type { SchemaMapping } from '../config/types.ts';
import { shortHash } from '../configset/fileset.ts';
import { secretModes, secretPrefixes, withNamedSources, type Source } from '../configset/sources.ts';
import type { Logger } from '../log.ts';
import { startControlServer } from '../protocol/server.ts';
import { sidecarRoutes } from './control.ts';
import { setUpKube, type KubeSetup } from './kube/setup.ts';
import { ADMIT_ALL, DeferredGate } from './rollout/gate.ts';
import { renewPeriodMs } from './rollout/decision.ts';
import { RolloutLoop } from './rollout/loop.ts';
import type { ProbeSpec, ReadinessSpec } from './rollout/probe-spec.ts';
import { RolloutReporter } from './rollout/report.ts';
import { Publisher } from './publish/publisher.ts';
import { ConditionTracker } from './report/condition-tracker.ts';
import { ReloadRequests } from './request/reload-requests.ts';
import { SidecarMetrics } from './report/metrics.ts';
import { OutcomeRecorder } from './report/outcomes.ts';
import { startProbeServer } from './report/probe-server.ts';
import { collectStatus } from './report/status.ts';
import { TlsExpiry } from './report/tls-expiry.ts';
import { MasterLink } from './sync/drive.ts';
import { LastGood } from './sync/last-good.ts';
import { inspectSource } from './sync/source.ts';
import { Syncer } from './sync/syncer.ts';
import { SourceWatcher } from './sync/watch.ts';

export interface SidecarOptions {
  /** The root source first (validated: configset/sources.ts). */
  sources: readonly Source[];
  liveDir: string;
  masterSocket: string;
  socketPath: string;
  listen: string;
  driver: SidecarDriver;
  debounceMs: number;
  debounceMaxMs: number;
  resyncMs: number;
  schemas: readonly SchemaMapping[];
  /** The nginx check's flags (cli/nginx-flags.ts), the live directory among the include roots. */
  nginx: CheckOptions['nginx'];
  /** Warn when a checked certificate expires within this many days. */
  tlsWarningDays: number;
  /** `--watch-configmap NAME`; '' for none. */
  configMap: string;
  /** `--last-good-secret NAME`; '' for none. */
  lastGoodSecret: string;
  /** `--pod-annotations FILE`: the Pod's annotations (downward API), for reloads requested by annotation; '' for none. */
  podAnnotations: string;
  /** `--rollout-lease NAME` and its settings; null: every checked version is applied at once. */
  rollout: RolloutSettings | null;
  /** HOTCYCLE_KUBE_ROOT: where the service-account directory is rooted; '' is `/`. */
  kubeRoot: string;
  logger: Logger;
}

export interface RolloutSettings {
  lease: string;
  bakeMs: number;
  waveBakeMs: number;
  maxInFlight: number;
  slotTimeoutMs: number;
  probe: ProbeSpec | null;
  readiness: ReadinessSpec | null;
}

export async function runSidecar(options: SidecarOptions): Promise<number> {
  const { logger, sources, liveDir } = options;
  const sourceDir = sources[0]?.dir ?? '';
  const startedAt = new Date();
  const kinds = await inspectSources(sources, logger);
  await mkdir(liveDir, { recursive: true });
  const publisher = await Publisher.open(liveDir, { modes: (set) => secretModes(sources, set) });
  const metrics = new SidecarMetrics();
  const recorder = new OutcomeRecorder(logger, metrics);
  const link = new MasterLink({ socketPath: options.masterSocket, logger });
  const expiry = new TlsExpiry(metrics, logger, options.tlsWarningDays, (report) => recorder.certificateExpiring(report));
  const check = {
    driver: options.driver, schemas: options.schemas, nginx: options.nginx, secretPrefixes: secretPrefixes(sources),
    onAccepted: (certificates: CertificateInfo[]) => expiry.observe(certificates),
  };
  const lastGood = new LastGood({ events: recorder });
  const gate = options.rollout ? new DeferredGate() : null;
  const syncer = new Syncer({ sources, publisher, link, check, events: recorder, lastGood, ...(gate ? { rollout: gate } : {}) });
  const condition = new ConditionTracker({ syncer, lastGood });
  recorder.attachCondition(condition);
  metrics.watchLag(() => syncer.lag());
  const kube = await setUpKube({
    logger, root: options.kubeRoot, configMap: options.configMap, lastGoodSecret: options.lastGoodSecret, rolloutLease: options.rollout?.lease ?? '', rolloutRenewMs: options.rollout ? renewPeriodMs(options.rollout.slotTimeoutMs) : 0, onOutcome: (o) => metrics.kubeOutcome(o),
    // The fast path brings the root ConfigMap only: the named sources come from their volumes.
    onData: async (files, rv) => syncer.request({ origin: 'api', files: await withNamedSources(files, sources), reason: `configmap ${options.configMap} resourceVersion ${rv}` }),
  });
  if (kube.reporter) recorder.attach(kube.reporter);
  if (kube.lastGood) lastGood.attach(kube.lastGood);
  else lastGood.off(options.lastGoodSecret ? `not in a cluster: ${kube.status().detail}` : 'no --last-good-secret');
  const rollout = startRollout(options, kube, { syncer, link, metrics, recorder, gate });
  const pod = kube.condition;
  if (pod) condition.start({ write: (c) => pod.set(c), ...(rollout ? { rollout: () => rollout.status() } : {}) });
  const watcher = await SourceWatcher.start({
    dirs: sources.map((s) => s.dir), debounceMs: options.debounceMs, debounceMaxMs: options.debounceMaxMs, resyncMs: options.resyncMs, logger,
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
      status: () => collectStatus({
        startedAt, driver: options.driver, sources, liveDir, syncer, watcher, link, kube: () => kube.status(), lastGood: () => lastGood.state(),
        ...(rollout ? { rollout: () => rollout.status() } : {}),
      }),
    }),
  });
  const requests = options.podAnnotations ? await ReloadRequests.start({
    file: options.podAnnotations, startedAt, debounceMs: options.debounceMs, debounceMaxMs: options.debounceMaxMs, resyncMs: options.resyncMs, logger,
    sync: (request) => syncer.request(request), report: () => kube.reporter,
  }) : null;
  // Handled from before the line that says the sidecar runs: a SIGTERM sent on reading it closes gracefully.
  const stopping = stopSignal();
  logger.info('sidecar running', {
    event: 'sidecar.started', source: sourceDir, sourceKind: kinds[0], live: liveDir, metricsPort: probes.port, socket: options.socketPath,
    sources: sources.slice(1).map((s) => ({ name: s.name, dir: s.dir, secret: s.secret })),
  });
  void first.then((result) => logger.info(`first sync: ${result.outcome}`, {
    event: 'sidecar.first-sync', outcome: result.outcome, configHash: result.configHash, short: shortHash(result.configHash),
  }), () => undefined);
  const signal = await stopping;
  logger.info(`${signal}: closing`, { event: 'sidecar.shutdown', signal });
  await watcher.close();
  await requests?.close();
  await rollout?.close();
  condition.close();
  await syncer.close();
  await Promise.all([control.close(), kube.close(), probes.close(), publisher.close()]);
  logger.info('sidecar exiting', { event: 'sidecar.exit', code: 0 });
  return 0;
}

/** The fleet rollout's loop, when --rollout-lease is given and the pod is in a cluster (else the gate admits all). */
function startRollout(
  options: SidecarOptions, kube: KubeSetup,
  parts: { syncer: Syncer; link: MasterLink; metrics: SidecarMetrics; recorder: OutcomeRecorder; gate: DeferredGate | null },
): RolloutLoop | null {
  const settings = options.rollout;
  const { gate } = parts;
  if (!settings || !gate) return null;
  if (!kube.rollout) {
    gate.attach(ADMIT_ALL);
    return null;
  }
  const slotTimeoutMs = settings.slotTimeoutMs;
  const loop = new RolloutLoop({
    store: kube.rollout.store, pod: kube.rollout.pod, bakeMs: settings.bakeMs, waveBakeMs: settings.waveBakeMs, probe: settings.probe, readiness: settings.readiness,
    limits: { maxInFlight: settings.maxInFlight, slotTimeoutMs, renewEveryMs: renewPeriodMs(slotTimeoutMs) },
    syncer: parts.syncer, master: parts.link, logger: options.logger,
    events: new RolloutReporter(options.logger, parts.metrics, () => kube.reporter),
  });
  parts.recorder.onReload = (hash, failure) => loop.reloaded(hash, failure);
  gate.attach(loop);
  return loop;
}

/** What each source is (warning about mounts that can never update); the kinds, root first. */
async function inspectSources(sources: readonly Source[], logger: Logger): Promise<string[]> {
  const kinds: string[] = [];
  for (const source of sources) {
    const info = await inspectSource(source.dir);
    if (info.warning) logger.warn(info.warning, { event: 'source.warning', kind: info.kind, dir: source.dir, source: source.name });
    kinds.push(info.kind);
  }
  return kinds;
}

function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}
