// I/O: `reload` (request.ts says the protocol). With the user's rights:
//   (1) the Pods: pod/NAME, or every Pod the Deployment's selector matches (get deployments, list pods);
//   (2) set hotcycle.dev/reload-requested to the request (now, RFC 3339) on each, a merge patch
//       (patch pods); the patched Pod's spec says whether its sidecar acts on it (--pod-annotations);
//   (3) unless --no-wait, GET each Pod (get pods) every POLL_MS until its sidecar acknowledged the
//       request or the timeout ends. The user may not watch pods; a GET is all it takes.
import type * as K8s from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { callOptions } from '../sidecar/kube/client.ts';
import { describeFailure } from '../sidecar/kube/retry.ts';
import type { ReloadTarget } from './args.ts';
import { failure, podsOf, type Connection } from './kube.ts';
import { commandFlag } from './lease-name.ts';
import { acknowledgment, ANNOTATION_RELOAD_REQUESTED, WATCH_FLAG, type PodReload } from './request.ts';

const POLL_MS = 500;
const CALL_MS = 10_000;

export async function requestReloads(c: Connection, target: ReloadTarget, request: string, signal: AbortSignal): Promise<PodReload[]> {
  const pods = target.pods.kind === 'pod' ? [target.pods.name] : await podsOf(c, target.pods.name); // (1)
  if (pods.length === 0) throw failure(`reload deployment ${c.namespace}/${target.pods.name}`, new Error('no pods match its selector'));
  const reloads = await Promise.all(pods.map((pod) => ask(c, pod, request, signal))); // (2)
  if (!target.wait) return reloads;
  const deadline = Date.now() + target.timeoutMs; // (3)
  return Promise.all(reloads.map((r) => (r.state === 'requested' ? waitFor(c, r.pod, request, deadline, signal) : r)));
}

async function ask(c: Connection, pod: string, request: string, signal: AbortSignal): Promise<PodReload> {
  const { k8s, core } = c.client;
  const body = { metadata: { annotations: { [ANNOTATION_RELOAD_REQUESTED]: request } } };
  let patched: K8s.V1Pod;
  try {
    patched = await core.patchNamespacedPod({ name: pod, namespace: c.namespace, body }, callOptions(k8s, { timeoutMs: CALL_MS, signal, patchContentType: k8s.PatchStrategy.MergePatch }));
  } catch (error) {
    if (describeFailure(error).status === 404) return { pod, state: 'gone', detail: `pod ${c.namespace}/${pod} not found` };
    throw failure(`annotate pod ${c.namespace}/${pod}`, error);
  }
  return commandFlag(patched.spec, WATCH_FLAG) === null ? { pod, state: 'not-watching', detail: '' } : { pod, state: 'requested', detail: '' };
}

async function waitFor(c: Connection, pod: string, request: string, deadline: number, signal: AbortSignal): Promise<PodReload> {
  const { k8s, core } = c.client;
  for (;;) {
    let read: K8s.V1Pod;
    try {
      read = await core.readNamespacedPod({ name: pod, namespace: c.namespace }, callOptions(k8s, { timeoutMs: CALL_MS, signal }));
    } catch (error) {
      if (describeFailure(error).status === 404) return { pod, state: 'gone', detail: `pod ${c.namespace}/${pod} was deleted before it answered` };
      throw failure(`get pod ${c.namespace}/${pod} (to wait for its answer; --no-wait does not)`, error);
    }
    const answer = acknowledgment(read.metadata?.annotations, request);
    if (answer) return { pod, ...answer };
    // The last read is at the deadline, never before it: "no answer within --timeout" is then true.
    const left = deadline - Date.now();
    if (left <= 0) return { pod, state: 'no-answer', detail: '' };
    await sleep(Math.min(POLL_MS, left), undefined, { signal });
  }
}
