// Are we in a cluster, and which Pod are we? Decided from the environment alone, without loading
// @kubernetes/client-node: that library costs ~90 MB RSS, so only the in-cluster sidecar may
// import it (dynamically, see client.ts). Outside a cluster the answer carries the reason, for the
// one log line "kubernetes reporting off: <reason>".
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../log.ts';
import type { KubeIdentity } from './types.ts';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export type KubeEnvironment =
  | { inCluster: true; identity: KubeIdentity }
  | { inCluster: false; reason: string };

/** Reads `env` (default process.env) and the service-account directory; never throws. */
export function detectKubeEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  serviceAccountDir: string = SERVICE_ACCOUNT_DIR,
): KubeEnvironment {
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) {
    return off('KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set (not running in a pod)');
  }
  const tokenFile = join(serviceAccountDir, 'token');
  if (!readable(tokenFile)) {
    return off(`no service-account token at ${tokenFile} (automountServiceAccountToken: false?)`);
  }
  if (!env.POD_NAME) return off('POD_NAME is not set (add it from the Downward API: fieldRef metadata.name)');
  // The Downward API is the contract; the service account's namespace file is the same fact.
  const namespace = env.POD_NAMESPACE || readTrimmed(join(serviceAccountDir, 'namespace'));
  if (!namespace) return off('POD_NAMESPACE is not set (add it from the Downward API: fieldRef metadata.namespace)');
  const identity: KubeIdentity = { podName: env.POD_NAME, namespace };
  if (env.POD_UID) identity.podUid = env.POD_UID;
  return { inCluster: true, identity };
}

/** The one line an operator needs to know whether Events and annotations will appear. */
export function logKubeEnvironment(logger: Logger, result: KubeEnvironment): void {
  if (result.inCluster) {
    const { podName, namespace } = result.identity;
    logger.info(`kubernetes reporting on: pod ${namespace}/${podName}`, { event: 'kube-reporting', enabled: true });
  } else {
    logger.info(`kubernetes reporting off: ${result.reason}`, { event: 'kube-reporting', enabled: false });
  }
}

function off(reason: string): KubeEnvironment {
  return { inCluster: false, reason };
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
