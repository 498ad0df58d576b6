// The kubelet as a process of its own for fault 8, as it is on a node: `count` ConfigMap swaps of
// the volume at `dir` (KubeletVolume's AtomicWriter steps), one every `periodMs` on a fixed
// schedule so one slow swap does not push the rest back. The last swap's message is
// `swap <count>`. Prints {"swaps","ms","behindMs"} (behindMs: how far the last swap started
// after its slot) when done.
//
//   node test/faults/kubelet-storm.ts DIR COUNT PERIOD_MS PORT
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeletVolume } from '../helpers/kubelet.ts';
import { podFiles } from './pod-files.ts';

const [dir, count, periodMs, port] = process.argv.slice(2);
if (!dir || !count || !periodMs || !port) throw new Error('usage: kubelet-storm.ts DIR COUNT PERIOD_MS PORT');
const volume = new KubeletVolume(dir);
const started = performance.now();
let behindMs = 0;
for (let i = 1; i <= Number(count); i++) {
  const slot = started + (i - 1) * Number(periodMs);
  const wait = slot - performance.now();
  if (wait > 0) await sleep(wait);
  behindMs = Math.max(0, -wait);
  await volume.update(podFiles(Number(port), `swap ${i}`));
}
console.log(JSON.stringify({ swaps: Number(count), ms: Math.round(performance.now() - started), behindMs: Math.round(behindMs) }));
