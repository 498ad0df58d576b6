// ConfigMap data for the pod fault tests: the demo app on `port`, its message, and any
// workers override (a bad command, slow readiness).
import { stringify } from 'yaml';
import type { VolumeFiles } from '../helpers/kubelet.ts';
import type { Container } from '../helpers/container.ts';
import { Load } from '../helpers/load.ts';
import type { Pod } from '../helpers/pod.ts';
import { demoConfig, type WorkersYaml } from '../helpers/master.ts';

export function podFiles(port: number, message: string, workers: Partial<WorkersYaml> = {}, extra: VolumeFiles = {}): VolumeFiles {
  return { 'hotcycle.yaml': stringify(demoConfig(port, { count: 1, ...workers })), 'message.txt': message, ...extra };
}

/** A bounded loopback load on the pod's port, flowing before it returns. */
export async function podLoad(port: number, options: { connections?: number; keepAlive?: boolean } = {}): Promise<Load> {
  const load = new Load({ port, connections: options.connections ?? 4, keepAlive: options.keepAlive ?? false, maxRequests: 1_000_000 }).start();
  await load.flowing();
  return load;
}

/** Both containers' own log lines (not the workers'), for an assertion's message. */
export function podLogs(pod: Pod): string {
  const own = (c: Container) => c.output.filter((l) => l.startsWith('{')).map((l) => `${c.name}: ${l.slice(0, 400)}`);
  return [...own(pod.sidecar), ...own(pod.master)].join('\n');
}
