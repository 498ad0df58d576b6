// From a rendered pod spec to `podman run` arguments, the way kubelet turns a PodSpec into CRI
// container configs: image, command/args, environment (values and the Downward API), mounts,
// securityContext, memory/CPU limits, the grace period. Pure: no podman, no filesystem.
// What the stand-in cannot honour throws PodSpecError instead of being silently dropped.
import type { Container, EnvVar, PodSecurityContext, PodSpec, SecurityContext } from 'kubernetes-types/core/v1.js';

export class PodSpecError extends Error {
  readonly code = 'EPODSPEC';
}

export interface PodIdentity { name: string; namespace: string; uid: string }

export interface PlanContext {
  pod: PodSpec;
  identity: PodIdentity;
  /** The pod's network namespace (a path under /run/netns). */
  netns: string;
  /** Host directory backing each volume, by volume name. */
  volumeDirs: ReadonlyMap<string, string>;
  /** Prefix of every container name (one pod at a time per prefix). */
  prefix: string;
}

/** Arguments after `podman run`, ending with the image and the container's args. */
export function planRun(context: PlanContext, container: Container): string[] {
  const { pod, identity, netns, prefix } = context;
  const security = effectiveSecurity(pod.securityContext ?? {}, container.securityContext ?? {}, container.name);
  const args = [
    '--name', `${prefix}-${container.name}`,
    '--label', `dev.hotcycle.pod=${prefix}`,
    '--pull', 'never',
    '--network', `ns:${netns}`,
    '--stop-timeout', String(pod.terminationGracePeriodSeconds ?? 30),
    ...security,
    ...envArgs(container.env ?? [], identity, container.name),
    ...mountArgs(context, container),
    ...limitArgs(container),
  ];
  if (container.command) args.push('--entrypoint', JSON.stringify(container.command));
  if (!container.image) throw new PodSpecError(`${container.name}: no image`);
  return [...args, container.image, ...(container.args ?? [])];
}

/** runAsUser/runAsGroup, fsGroup, read-only root, capabilities, no new privileges, seccomp. */
export function effectiveSecurity(pod: PodSecurityContext, own: SecurityContext, name: string): string[] {
  const user = own.runAsUser ?? pod.runAsUser;
  const group = own.runAsGroup ?? pod.runAsGroup;
  const nonRoot = own.runAsNonRoot ?? pod.runAsNonRoot;
  // kubelet refuses a container that would run as root under runAsNonRoot; the stand-in needs a
  // numeric user to verify it, as kubelet does for images without one.
  if (nonRoot && (user === undefined || user === 0)) throw new PodSpecError(`${name}: runAsNonRoot needs a numeric non-zero runAsUser here`);
  const args: string[] = [];
  if (user !== undefined) args.push('--user', group === undefined ? String(user) : `${user}:${group}`);
  if (pod.fsGroup !== undefined) args.push('--group-add', String(pod.fsGroup));
  for (const extra of pod.supplementalGroups ?? []) args.push('--group-add', String(extra));
  // podman's --read-only mounts tmpfs on /tmp, /var/tmp and /run by default; kubelet does not.
  if (own.readOnlyRootFilesystem) args.push('--read-only', '--read-only-tmpfs=false');
  for (const cap of own.capabilities?.drop ?? []) args.push('--cap-drop', cap);
  for (const cap of own.capabilities?.add ?? []) args.push('--cap-add', cap);
  if (own.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  if (own.privileged) throw new PodSpecError(`${name}: privileged containers are not supported by the stand-in`);
  const seccomp = (own.seccompProfile ?? pod.seccompProfile)?.type;
  if (seccomp === 'Unconfined') args.push('--security-opt', 'seccomp=unconfined');
  else if (seccomp !== undefined && seccomp !== 'RuntimeDefault') throw new PodSpecError(`${name}: seccompProfile ${seccomp} is not supported by the stand-in`);
  return args;
}

const FIELD_REFS: Record<string, (id: PodIdentity) => string> = {
  'metadata.name': (id) => id.name,
  'metadata.namespace': (id) => id.namespace,
  'metadata.uid': (id) => id.uid,
  'status.podIP': () => '127.0.0.1',
  'spec.nodeName': () => 'localhost',
};

export function envArgs(env: readonly EnvVar[], identity: PodIdentity, name: string): string[] {
  return env.flatMap((e) => {
    if (e.value !== undefined || !e.valueFrom) return ['--env', `${e.name}=${e.value ?? ''}`];
    const path = e.valueFrom.fieldRef?.fieldPath;
    const value = path ? FIELD_REFS[path] : undefined;
    if (!value) throw new PodSpecError(`${name}: env ${e.name}: only Downward API fieldRefs ${Object.keys(FIELD_REFS).join(', ')} are supported`);
    return ['--env', `${e.name}=${value(identity)}`];
  });
}

function mountArgs({ volumeDirs }: PlanContext, container: Container): string[] {
  return (container.volumeMounts ?? []).flatMap((m) => {
    if (m.subPath || m.subPathExpr) throw new PodSpecError(`${container.name}: subPath mounts are not supported by the stand-in`);
    const dir = volumeDirs.get(m.name);
    if (!dir) throw new PodSpecError(`${container.name}: volume ${m.name} is not in the pod`);
    return ['--volume', `${dir}:${m.mountPath}:${m.readOnly ? 'ro' : 'rw'}`];
  });
}

/** Limits as the runtime applies them (requests only schedule; there is no scheduler here). */
function limitArgs(container: Container): string[] {
  const limits = container.resources?.limits ?? {};
  const args: string[] = [];
  if (limits.memory !== undefined) args.push('--memory', String(quantityBytes(String(limits.memory))));
  if (limits.cpu !== undefined) args.push('--cpus', String(quantityCpus(String(limits.cpu))));
  return args;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

export function quantityBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!match) throw new PodSpecError(`memory quantity ${quantity} is not supported by the stand-in`);
  const unit = match[2] ?? '';
  return Math.round(Number(match[1]) * (BINARY[unit] ?? DECIMAL[unit] ?? 1));
}

export function quantityCpus(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(m)?$/.exec(quantity);
  if (!match) throw new PodSpecError(`cpu quantity ${quantity} is not supported by the stand-in`);
  return match[2] ? Number(match[1]) / 1000 : Number(match[1]);
}

/** A native sidecar: an init container that keeps running (restartPolicy Always). */
export function isSidecar(container: Container): boolean {
  return container.restartPolicy === 'Always';
}
