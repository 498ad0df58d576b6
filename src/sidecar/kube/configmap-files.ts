// Pure: a ConfigMap as the file set kubelet would project from it — `data` as UTF-8 text,
// `binaryData` base64-decoded. The API server forbids a key in both, so the order is moot.
import type { V1ConfigMap } from '@kubernetes/client-node';

export function configMapFiles(configMap: Pick<V1ConfigMap, 'data' | 'binaryData'>): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const [name, text] of Object.entries(configMap.data ?? {})) files.set(name, Buffer.from(text, 'utf8'));
  for (const [name, base64] of Object.entries(configMap.binaryData ?? {})) files.set(name, Buffer.from(base64, 'base64'));
  return files;
}
