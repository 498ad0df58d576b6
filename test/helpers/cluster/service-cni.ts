// A chained CNI plugin (after ptp) that puts the `kubernetes` Service into every pod of a test
// node (node.ts, `kubernetesService`), as kube-proxy would make it reachable, over loopback and
// a Unix socket only: the same relay as KubeletNode.serviceInPod, but made by containerd while
// it sets up the pod's network, so it is there before any container starts. A pod whose sidecar
// must reach the API server at its very start (the last good config, the rollout Lease) needs
// that; a relay added after the pod is Ready comes too late for it.
//   (1) ADD: the ClusterIP goes on the pod's own `lo`; a socat in the pod's network namespace
//       listens there and relays each connection through `socket` (the node's host end, which
//       connects to the API server on 127.0.0.1). Its pid is kept in `dir`; the previous
//       plugin's result is handed on once socat listens.
//   (2) DEL: that socat is killed (containerd calls DEL when the sandbox goes).
// Run by containerd (in the node's mount namespace, where CNI_NETNS exists) through a wrapper
// script `node service-cni.ts`; its configuration: { clusterIP, socket, dir }.
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Conf { cniVersion: string; clusterIP: string; socket: string; dir: string; prevResult?: unknown }

const LISTEN_TIMEOUT_MS = 10_000;

function fail(conf: Partial<Conf>, message: string): never {
  process.stdout.write(JSON.stringify({ cniVersion: conf.cniVersion ?? '1.0.0', code: 999, msg: `hotcycle kubernetes Service relay: ${message}` }));
  process.exit(1);
}

function add(conf: Conf, id: string, netns: string): void {
  const net = `--net=${netns}`;
  try {
    execFileSync('nsenter', [net, 'ip', 'address', 'add', `${conf.clusterIP}/32`, 'dev', 'lo'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    fail(conf, `ip address add ${conf.clusterIP}/32 dev lo in ${netns}: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
  const logPath = join(conf.dir, `${id}.log`);
  const log = openSync(logPath, 'a');
  const socat = spawn('nsenter', [net, 'socat', '-d', '-d', `TCP-LISTEN:443,bind=${conf.clusterIP},fork,reuseaddr`, `UNIX-CONNECT:${conf.socket}`],
    { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  writeFileSync(join(conf.dir, `${id}.pid`), String(socat.pid));
  socat.unref();
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  // socat -d -d says "listening on" once bound; a synchronous plugin waits for that line in its log.
  while (!readFileSync(logPath, 'utf8').includes('listening on')) {
    if (socat.exitCode !== null || Date.now() > deadline) fail(conf, `socat did not listen:\n${readFileSync(logPath, 'utf8')}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  process.stdout.write(JSON.stringify(conf.prevResult ?? { cniVersion: conf.cniVersion }));
}

function del(conf: Conf, id: string): void {
  const pidFile = join(conf.dir, `${id}.pid`);
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  } catch { /* no relay (never added, or gone already) */ }
  rmSync(pidFile, { force: true });
}

const input = readFileSync(0, 'utf8');
const conf = (input.trim() ? JSON.parse(input) : {}) as Conf;
const id = process.env.CNI_CONTAINERID ?? '';
switch (process.env.CNI_COMMAND) {
  case 'ADD':
    add(conf, id, process.env.CNI_NETNS ?? fail(conf, 'no CNI_NETNS'));
    break;
  case 'DEL':
    del(conf, id);
    break;
  case 'VERSION':
    process.stdout.write(JSON.stringify({ cniVersion: '1.0.0', supportedVersions: ['0.4.0', '1.0.0'] }));
    break;
  default: // CHECK, GC, STATUS: nothing to verify beyond what ADD waited for.
    break;
}
