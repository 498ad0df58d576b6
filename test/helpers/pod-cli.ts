// Runs a local pod by hand (issue 6): the demo app under `hotcycle master`, the sidecar beside it,
// each in its own namespaces where possible. Edit the files in <dir>/configmap (as you would
// `kubectl edit configmap`): each settled edit becomes one kubelet-style update of the volume.
//   node test/helpers/pod-cli.ts [--port 8080]
// Ctrl-C deletes the pod (SIGTERM to both containers) and removes its directory.
import { watch } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { demoConfig } from './master.ts';
import { Pod } from './pod.ts';
import { freePort } from './ports.ts';

const { values } = parseArgs({ options: { port: { type: 'string' } } });
const port = values.port ? Number(values.port) : await freePort();
const files = { 'hotcycle.yaml': stringify(demoConfig(port)), 'message.txt': 'hello from generation one' };
const pod = await Pod.start({ files });
const editDir = join(pod.dir, 'configmap');
await mkdir(editDir);
for (const [name, text] of Object.entries(files)) await writeFile(join(editDir, name), text);

let timer: NodeJS.Timeout | undefined;
const watcher = watch(editDir, () => {
  clearTimeout(timer);
  timer = setTimeout(() => void syncEdits(), 300);
});
async function syncEdits(): Promise<void> {
  const names = (await readdir(editDir)).filter((n) => !n.startsWith('.') && !n.endsWith('~') && !n.endsWith('.swp'));
  const next = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(join(editDir, n))] as const)));
  await pod.kubelet.update(next);
  console.log(`kubelet: volume updated (${names.length} files)`);
}
for (const c of [pod.master, pod.sidecar]) c.child.stdout!.on('data', () => undefined);

console.log(`
local pod in ${pod.dir} (${pod.isolated ? 'PID + mount namespaces: app and sidecar cannot see each other' : 'plain processes: no namespaces here'})
  app (hotcycle master) host pid ${pod.master.hostPid}   sidecar host pid ${pod.sidecar.hostPid}
  serve:    curl -si http://127.0.0.1:${port}/          (watch: while sleep 0.2; do curl -s 127.0.0.1:${port}; done)
  edit:     ${editDir}/message.txt or hotcycle.yaml   (each save is one ConfigMap update)
  status:   node src/cli/main.ts status --socket ${pod.sidecarSocket}
  reload:   node src/cli/main.ts reload --socket ${pod.sidecarSocket}
  metrics:  curl -s http://127.0.0.1:${pod.metricsPort}/metrics | grep hotcycle_
  logs:     printed below as they come. Ctrl-C deletes the pod.
`);
for (const c of [pod.master, pod.sidecar]) {
  c.child.stdout!.on('data', (chunk: Buffer) => process.stdout.write(prefix(c.name, chunk)));
  c.child.stderr!.on('data', (chunk: Buffer) => process.stdout.write(prefix(c.name, chunk)));
}
function prefix(name: string, chunk: Buffer): string {
  return chunk.toString('utf8').split('\n').filter(Boolean).map((l) => `${name.padEnd(7)} ${l}\n`).join('');
}

process.once('SIGINT', () => {
  watcher.close();
  console.log('deleting the pod: SIGTERM to both containers');
  void pod.stop().then((exits) => console.log(`exits: ${JSON.stringify(exits)}`)).finally(() => pod.cleanup());
});
