// Kubernetes, when and only when running in a cluster (DESIGN.md §6): the reporter (Events and
// annotations), the Pod condition hotcycle.dev/config-applied and the optional ConfigMap fast path. Outside a cluster one log line says why
// reporting is off and nothing else changes; kube/client.ts loads the client library (a dynamic
// import) only when a cluster was detected, so the sidecar outside one never pays for it.
import path from 'node:path';
import type { Logger } from '../../log.ts';
import type { SidecarStatus } from '../../protocol/sidecar.ts';
import { fileSetFrom, type FileSet } from '../../configset/fileset.ts';
import { inClusterKubeConfig, loadKubeClient } from './client.ts';
import { watchConfigMap, type ConfigMapWatch } from './configmap-watch.ts';
import { detectKubeEnvironment, logKubeEnvironment, SERVICE_ACCOUNT_DIR } from './env.ts';
import { SecretStore } from './last-good-store.ts';
import { PodCondition } from './pod-condition.ts';
import { LeaseStore } from '../rollout/store.ts';
import { createKubeReporter, type KubeReporter } from './reporter.ts';
import type { ReportOutcome } from './types.ts';

export interface KubeSetupOptions {
  logger: Logger;
  /** Filesystem root of the service-account directory (HOTCYCLE_KUBE_ROOT); '' is `/`. */
  root: string;
  /** `--watch-configmap NAME`, or '' for no fast path. */
  configMap: string;
  /** `--last-good-secret NAME`, or '' to keep no last good config. */
  lastGoodSecret: string;
  /** `--rollout-lease NAME`, or '' for no fleet rollout. */
  rolloutLease: string;
  /** The rollout's renewal period: the Lease store's longest wait between tries. */
  rolloutRenewMs: number;
  onOutcome: (outcome: ReportOutcome) => void;
  /** ConfigMap data from the fast path; the next delivery waits for the returned promise. */
  onData: (files: FileSet, resourceVersion: string) => Promise<unknown>;
}

export interface KubeSetup {
  readonly reporter: KubeReporter | null;
  /** The Pod condition hotcycle.dev/config-applied; null outside a cluster. */
  readonly condition: PodCondition | null;
  /** The release's last-good Secret; null outside a cluster or without --last-good-secret. */
  readonly lastGood: SecretStore | null;
  /** The release's rollout Lease and this pod's name; null outside a cluster or without --rollout-lease. */
  readonly rollout: { store: LeaseStore; pod: string } | null;
  status(): SidecarStatus['kube'];
  close(): Promise<void>;
}

export async function setUpKube(options: KubeSetupOptions): Promise<KubeSetup> {
  const { logger, configMap } = options;
  const env = detectKubeEnvironment(process.env, path.join(options.root || '/', SERVICE_ACCOUNT_DIR));
  logKubeEnvironment(logger, env);
  if (!env.inCluster) {
    if (configMap) logger.warn(`--watch-configmap ${configMap} ignored: not in a cluster; the source directory is the only source`, { event: 'configmap-watch' });
    if (options.lastGoodSecret) logger.warn(`--last-good-secret ${options.lastGoodSecret} ignored: not in a cluster`, { event: 'last-good' });
    if (options.rolloutLease) logger.warn(`--rollout-lease ${options.rolloutLease} ignored: not in a cluster; every version is applied at once`, { event: 'rollout' });
    return { reporter: null, condition: null, lastGood: null, rollout: null, status: () => ({ reporting: false, detail: env.reason }), close: async () => undefined };
  }
  const client = await loadKubeClient(options.root ? await inClusterKubeConfig(options.root) : undefined);
  const kubeConfig = client.kubeConfig;
  const identity = env.identity;
  const reporter = await createKubeReporter({ logger, identity, onOutcome: options.onOutcome, kubeConfig });
  const condition = new PodCondition({ client, identity, logger, onOutcome: options.onOutcome });
  const lastGood = options.lastGoodSecret ? new SecretStore({ client, identity, secret: options.lastGoodSecret, logger, onOutcome: options.onOutcome }) : null;
  const rollout = options.rolloutLease ? {
    pod: identity.podName,
    store: new LeaseStore({
      client, namespace: identity.namespace, name: options.rolloutLease, maxRetryDelayMs: options.rolloutRenewMs,
      onRetry: (what, message, delayMs) => logger.warn(`${what} failed: ${message}; retrying in ${delayMs} ms`, { event: 'rollout.retry', delayMs }),
    }),
  } : null;
  let watch: ConfigMapWatch | null = null;
  if (configMap) {
    watch = await watchConfigMap({
      logger, namespace: identity.namespace, name: configMap, kubeConfig,
      onData: async (files, rv) => void (await options.onData(fileSetFrom(files), rv)),
    });
  }
  const detail = `pod ${identity.namespace}/${identity.podName}`;
  let closed: Promise<void> | undefined;
  return {
    reporter,
    condition,
    lastGood,
    rollout,
    status: () => ({
      reporting: true, detail,
      ...(configMap ? { configMap } : {}),
      ...(watch?.resourceVersion ? { resourceVersion: watch.resourceVersion } : {}),
      ...(watch?.error ? { configMapError: watch.error } : {}),
    }),
    close: () => (closed ??= (async () => {
      await watch?.close();
      await Promise.all([reporter.close(), condition.close(2000), lastGood?.close(2000)]);
    })()),
  };
}
