// Are we in a cluster, and which Pod are we? Decided from the environment alone, without loading
// @kubernetes/client-node: that library costs ~90 MB RSS, so only the in-cluster sidecar may
// import it (dynamically, see client.ts). Outside a cluster the answer carries the reason, for the
// one log line "kubernetes reporting off: <reason>".
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HotcycleError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { KubeIdentity } from './types.ts';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export type KubeEnvironment =
  | { inCluster: true; identity: KubeIdentity }
  | { inCluster: false; reason: string };

/**
 * Reads `env` (default process.env) and the service-account directory. Outside a cluster the
 * answer says why; in a cluster without a way to know the Pod's uid it throws EKUBEIDENTITY:
 * `kubectl describe pod` lists only Events whose `regarding.uid` is the Pod's, so reporting
 * without it would look like working and show nothing.
 */
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
  const podUid = env.POD_UID || uidFromToken(readTrimmed(tokenFile), env.POD_NAME);
  return { inCluster: true, identity: { podName: env.POD_NAME, namespace, podUid } };
}

/**
 * The uid of `podName` from the token kubelet projects into the Pod: a bound service-account
 * token names its Pod in the `kubernetes.io` claim (KEP-1205), so no API call and no extra RBAC
 * is needed. A token bound to no Pod, or to another, is an error an operator must fix.
 */
function uidFromToken(token: string, podName: string): string {
  const pod = podOfToken(token);
  if (pod?.name === podName) return pod.uid;
  const why = pod ? `is bound to Pod ${pod.name}, not ${podName}` : 'is not bound to a Pod';
  throw new HotcycleError('config', 'EKUBEIDENTITY', `POD_UID is not set and the service-account token ${why}: Events would not show in \`kubectl describe pod\``, {
    detail: 'set POD_UID from the Downward API (env valueFrom fieldRef metadata.uid), as the chart does',
  });
}

/** The Pod a projected service-account token is bound to, from its (unverified) claims. */
function podOfToken(token: string): { name: string; uid: string } | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { 'kubernetes.io'?: { pod?: { name?: unknown; uid?: unknown } } };
    const pod = claims['kubernetes.io']?.pod;
    return typeof pod?.name === 'string' && typeof pod.uid === 'string' ? { name: pod.name, uid: pod.uid } : undefined;
  } catch {
    return undefined;
  }
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
