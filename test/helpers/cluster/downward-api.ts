// A kubelet stand-in for one downwardAPI volume item, `fieldRef: metadata.annotations`: it watches
// the Pod on the real API server (kubelet learns a Pod's updates by its watch too) and, on each
// update, rewrites the item's file in a volume directory the way kubelet does — the ..data swap of
// test/helpers/kubelet.ts, kubelet's FormatMap format, nothing written when nothing changed.
// kubelet does this when it syncs the Pod, which takes its own time; this does it at once.
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { mkdir } from 'node:fs/promises';
import { formatDownwardMap, KubeletVolume } from '../kubelet.ts';
import type { Cluster } from './cluster.ts';

export interface AnnotationsVolume {
  /** The item's file, for `--pod-annotations`. */
  readonly file: string;
  /** Idempotent: stops the watch. */
  close(): void;
}

/** Follows the Pod `namespace/name` into `dir`/annotations; resolves once the file holds its annotations. */
export async function followPodAnnotations(cluster: Cluster, namespace: string, name: string, dir: string): Promise<AnnotationsVolume> {
  await mkdir(dir, { recursive: true });
  const volume = new KubeletVolume(dir);
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.info.kubeconfig);
  let writes: Promise<void> = Promise.resolve();
  let first: (() => void) | undefined;
  const written = new Promise<void>((resolve) => (first = resolve));
  const abort = await new Watch(kc).watch(`/api/v1/namespaces/${namespace}/pods`, { fieldSelector: `metadata.name=${name}` }, (type, pod: { metadata?: { annotations?: Record<string, string> } }) => {
    if (type !== 'ADDED' && type !== 'MODIFIED') return;
    const annotations = formatDownwardMap(pod.metadata?.annotations ?? {});
    writes = writes.then(() => volume.update({ annotations })).then(() => first?.());
  }, (error: unknown) => {
    if (error && (error as { name?: string }).name !== 'AbortError') console.error(`followPodAnnotations ${namespace}/${name}: the watch ended: ${String(error)}`);
  });
  await written;
  return { file: `${dir}/annotations`, close: () => abort.abort() };
}
