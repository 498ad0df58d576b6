// README.md, section "On a cluster" (issue 20): every command of the section's `sh` blocks, read
// from the README itself and run in order with bash as a reader would type them, against a
// private control plane and a real kubelet node (test/helpers/cluster/node.ts, as
// kubelet-pod.test.ts does). A command the README gains is run too (and must succeed); the
// steps below check what the README says each one shows, and every one of them must have run.
//
// What the test supplies, because it differs per machine (the README does not pretend otherwise):
// - a working directory with `charts` (a link to the repository's) and the README's `images.yaml`
//   with this machine's images: the README's block (checked to name only the two images)
//   says registry.example.com, the test names localhost/hotcycle-nginx:dev and
//   localhost/hotcycle:dev, imported into the node, with pullPolicy Never;
// - KUBECONFIG: a private copy of the cluster's admin kubeconfig whose current context has this
//   test's namespace (`kubectl config set-context --current --namespace`), as a reader's would;
//   HOME in the working directory, for helm's and kubectl's caches;
// - KUBE_EDITOR: a small script that makes the edit the README describes before each
//   `kubectl edit` (the text to change, from the test, checked to be named in the README), so
//   `kubectl edit` runs for real: it fetches, opens the editor, and updates the ConfigMap;
// - what a cluster has and this node does not: no kube-proxy runs here, so once the pods run the
//   `kubernetes` Service is relayed into each pod (KubeletNode.serviceInPod) for the sidecar's
//   watch and Events, and the test waits until each sidecar's watch has listed its ConfigMap.
// Between commands the test waits on events, never on time: kubectl's watch of the Pods' Events
// (Reloaded, ConfigRejected), the sidecar's log line, each with a deadline. The section's output
// excerpts are checked against this run's output, line by line (hashes, times and ages aside).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { kubectlPath, ROOT } from '../charts/k8s-tools.ts';
import { Cluster } from '../helpers/cluster/cluster.ts';
import { KubeletNode, NODE_NAME } from '../helpers/cluster/node.ts';
import { watchPodEvents } from '../helpers/cluster/release.ts';
import { LoggedProcess } from '../helpers/logged-process.ts';
import { codeBlocks, readme, section, shellCommands, type CodeBlock } from '../helpers/readme.ts';
import { within as withinMs } from '../helpers/within.ts';

const SECTION = 'On a cluster';
const APP_IMAGE = 'localhost/hotcycle-nginx:dev';
const SIDECAR_IMAGE = 'localhost/hotcycle:dev';
/** The README's release and ConfigMap names, and its edits (each must appear in the section). */
const RELEASE = 'web';
const CONFIGMAP = 'web-nginx';
const GOOD_EDIT = { from: 'hello from hotcycle', to: 'hello from my edit', described: 'change `hello from hotcycle` to `hello from my edit`' };
const BAD_EDIT = { from: 'worker_connections 1024;', to: 'worker_connections 1024', described: 'delete the `;` after `worker_connections 1024`' };
/** A bound for each command and each wait: a hang fails with what was seen, never stalls the run. */
const COMMAND_TIMEOUT_MS = 240_000;
const WAIT_MS = 90_000;

let cluster: Cluster | undefined;
let node: KubeletNode | undefined;
let namespace = '';
let workdir = '';
const watchers: LoggedProcess[] = [];
const transcript: string[] = [];
const TRANSCRIPT = join(tmpdir(), `hotcycle-readme-on-a-cluster-${process.pid}.txt`);

before(async () => {
  cluster = await Cluster.start({ scheduler: true });
  node = await KubeletNode.start(cluster, { images: [APP_IMAGE, SIDECAR_IMAGE] });
  namespace = await cluster.namespace('readme');
  workdir = await mkdtemp(join(tmpdir(), 'hotcycle-readme-'));
}, { timeout: 300_000 });

after(async () => {
  for (const watcher of watchers) await watcher.stop();
  // The pods end while kubelet still runs (a deletion it carries out), then the node goes.
  if (namespace) await cluster?.kubectl(['delete', 'namespace', namespace, '--wait=true', '--timeout=90s']);
  await node?.stop();
  await cluster?.stop();
  if (workdir) await rm(workdir, { recursive: true, force: true });
  if (transcript.length) {
    await writeFile(TRANSCRIPT, transcript.join('\n'));
    process.stderr.write(`[readme] the commands and their output: ${TRANSCRIPT}\n`);
  }
}, { timeout: 240_000 });

interface PodStatus {
  metadata: { name: string; uid: string };
  spec: { nodeName?: string };
  status: { phase: string; conditions?: Array<{ type: string; status: string }> };
}

interface Ran { command: string; stdout: string; stderr: string }

/** What the steps share: the release's pods and the config hashes seen (12 characters, as printed). */
interface State {
  c: Cluster;
  pods: PodStatus[];
  initial: string;
  edited: string;
  rejected: string;
  editedAt: number;
  edit?: { from: string; to: string };
  events: Map<string, LoggedProcess>;
}

interface Step {
  what: string;
  match: RegExp;
  /** How often the section must run a command of this step. */
  times: number;
  before?: (s: State, n: number) => Promise<void>;
  after: (s: State, ran: Ran, n: number) => Promise<void>;
}

const short = (hash: string): string => hash.slice(0, 12);

const within = <T>(what: string, promise: Promise<T>, ms = WAIT_MS): Promise<T> => withinMs(what, promise, ms);

/** Follows one Pod's Events of one reason (`kubectl get events -w`): one line per Event, its message. */
function watchEvents(s: State, pod: PodStatus, reason: string): LoggedProcess {
  const watcher = watchPodEvents(s.c, namespace, pod.metadata.uid, reason);
  watchers.push(watcher);
  s.events.set(`${pod.metadata.name}/${reason}`, watcher);
  return watcher;
}

/** An HTTP GET to nginx on the pod's own loopback, from inside the pod (as kubelet-pod.test.ts does). */
async function served(s: State, pod: string): Promise<string> {
  const script = 'fetch("http://127.0.0.1:8080/").then(async (r) => process.stdout.write(r.status + " " + await r.text()))';
  return s.c.must(['exec', '-n', namespace, pod, '-c', 'hotcycle', '--', 'node', '-e', script]);
}

async function appliedHash(s: State, pod: string): Promise<string> {
  const status = JSON.parse(await s.c.must(['exec', '-n', namespace, pod, '-c', 'hotcycle', '--', 'hotcycle', 'status', '--json'])) as { sidecar: { appliedHash: string } };
  return status.sidecar.appliedHash;
}

const STEPS: Step[] = [
  {
    what: 'the chart\'s default nginx.conf as a start', match: /^helm show values charts\/hotcycle .*> nginx\.conf$/, times: 1,
    after: async () => {
      const conf = await readFile(join(workdir, 'nginx.conf'), 'utf8');
      for (const edit of [GOOD_EDIT, BAD_EDIT]) assert.equal(conf.split(edit.from).length, 2, `nginx.conf has "${edit.from}" once:\n${conf}`);
      assert.match(conf, /listen 8080;/);
    },
  },
  {
    what: 'the ConfigMap of the reader\'s own', match: /^kubectl create configmap web-nginx --from-file=nginx\.conf$/, times: 1,
    after: async (s) => {
      const cm = await s.c.json<{ data: Record<string, string> }>(['get', 'configmap', CONFIGMAP, '-n', namespace]);
      assert.deepEqual(Object.keys(cm.data), ['nginx.conf'], 'in the namespace of the kubeconfig\'s context');
    },
  },
  {
    what: 'helm install with the nginx driver and that ConfigMap', match: /^helm install web charts\/hotcycle /, times: 1,
    after: async (s, ran) => {
      assert.match(ran.command, / -f images\.yaml( |$)/);
      assert.match(ran.command, / --set config\.existingConfigMap=web-nginx( |$)/);
      interface Container { name: string; command?: string[]; args?: string[] }
      const deployment = await s.c.json<{ spec: { template: { spec: { containers: Container[]; initContainers?: Container[] } } } }>(
        ['get', 'deployment', `${RELEASE}-hotcycle`, '-n', namespace]);
      const pod = deployment.spec.template.spec;
      const containers = [...pod.containers, ...(pod.initContainers ?? [])].filter((x) => ['app', 'hotcycle'].includes(x.name));
      assert.equal(containers.length, 2, 'the app container and the sidecar');
      for (const container of containers) {
        const argv = [...(container.command ?? []), ...(container.args ?? [])];
        assert.equal(argv[argv.indexOf('--driver') + 1], 'nginx', `${container.name} runs the nginx driver: ${argv.join(' ')}`);
      }
      const configMaps = (await s.c.must(['get', 'configmaps', '-n', namespace, '-o', 'name'])).split('\n').filter(Boolean);
      assert.ok(!configMaps.includes(`configmap/${RELEASE}-hotcycle`), `the chart made no ConfigMap of its own: ${configMaps.join(', ')}`);
    },
  },
  {
    what: 'the rollout', match: /^kubectl rollout status deployment\/web-hotcycle$/, times: 1,
    after: async (s) => {
      const list = await s.c.json<{ items: PodStatus[] }>(['get', 'pods', '-n', namespace, '-l', `app.kubernetes.io/instance=${RELEASE}`]);
      s.pods = list.items;
      assert.equal(s.pods.length, 2, 'the chart\'s default 2 replicas');
      for (const pod of s.pods) {
        assert.equal(pod.spec.nodeName, NODE_NAME);
        assert.equal(pod.status.phase, 'Running');
        assert.equal(pod.status.conditions?.find((x) => x.type === 'Ready')?.status, 'True', `${pod.metadata.name} is Ready`);
        assert.equal(await served(s, pod.metadata.name), '200 hello from hotcycle\n');
      }
      // What a cluster's kube-proxy would do: the `kubernetes` Service, relayed into each pod.
      for (const pod of s.pods) await ready().node.serviceInPod(s.c, pod.metadata.uid);
      for (const pod of s.pods) {
        const logs = new LoggedProcess([kubectlPath(), '--kubeconfig', s.c.info.kubeconfig, 'logs', '-f', '-n', namespace, pod.metadata.name, '-c', 'hotcycle']);
        await within(`the sidecar of ${pod.metadata.name} lists its ConfigMap through the API`,
          logs.waitForLog((l) => l.event === 'configmap-watch' && /^configmap watch: listed/.test(l.message))).finally(() => logs.stop());
      }
      const hashes = new Set(await Promise.all(s.pods.map((p) => appliedHash(s, p.metadata.name))));
      assert.equal(hashes.size, 1, `both pods run one config: ${[...hashes].join(', ')}`);
      s.initial = short([...hashes][0]!);
    },
  },
  {
    what: 'kubectl edit', match: /^kubectl edit configmap web-nginx$/, times: 2,
    before: async (s, n) => {
      s.edit = n === 0 ? GOOD_EDIT : BAD_EDIT;
      for (const pod of s.pods) watchEvents(s, pod, n === 0 ? 'Reloaded' : 'ConfigRejected');
      s.editedAt = Date.now();
    },
    after: async (s, _ran, n) => {
      if (n === 0) {
        for (const pod of s.pods) {
          const event = await within(`a Reloaded Event for ${pod.metadata.name}`,
            s.events.get(`${pod.metadata.name}/Reloaded`)!.waitForLog((l) => /config [0-9a-f]{12}/.test(l.message) && !l.message.includes(`config ${s.initial}`)));
          const hash = /config ([0-9a-f]{12})/.exec(event.message)![1]!;
          assert.ok(!s.edited || s.edited === hash, `both pods reload the same version: ${s.edited}, ${hash}`);
          s.edited = hash;
        }
        process.stderr.write(`[readme] kubectl edit returned to both Reloaded Events seen: ${Date.now() - s.editedAt} ms\n`);
        for (const pod of s.pods) {
          assert.equal(await served(s, pod.metadata.name), '200 hello from my edit\n', `${pod.metadata.name} serves the edit`);
          assert.equal(short(await appliedHash(s, pod.metadata.name)), s.edited);
        }
      } else {
        for (const pod of s.pods) {
          const event = await within(`a ConfigRejected Event for ${pod.metadata.name}`,
            s.events.get(`${pod.metadata.name}/ConfigRejected`)!.waitForLog((l) => /nginx\.conf:\d+:\d+: /.test(l.message)));
          const hash = /^Config ([0-9a-f]{12}) rejected: nginx\.conf:\d+:\d+: /.exec(event.message)?.[1];
          assert.ok(hash, `the Event names the version and the place: ${event.message}`);
          assert.ok(!s.rejected || s.rejected === hash);
          s.rejected = hash;
        }
        for (const pod of s.pods) {
          assert.equal(await served(s, pod.metadata.name), '200 hello from my edit\n', `${pod.metadata.name} serves the old config on`);
          assert.equal(short(await appliedHash(s, pod.metadata.name)), s.edited, 'the master runs the last good version');
        }
      }
      delete s.edit;
    },
  },
  {
    what: 'kubectl describe pod', match: /^kubectl describe pod -l app\.kubernetes\.io\/instance=web$/, times: 2,
    after: async (s, ran, n) => {
      for (const pod of s.pods) assert.match(ran.stdout, new RegExp(`^Name:\\s+${pod.metadata.name}$`, 'm'));
      const pattern = n === 0
        ? new RegExp(`^\\s+Normal\\s+Reloaded\\s+.*Reloaded to generation \\d+, config ${s.edited}, in \\d+ ms$`, 'gm')
        : new RegExp(`^\\s+Warning\\s+ConfigRejected\\s+.*Config ${s.rejected} rejected: nginx\\.conf:\\d+:\\d+: .+$`, 'gm');
      assert.equal(ran.stdout.match(pattern)?.length, s.pods.length, `one such Event per pod (${pattern}):\n${ran.stdout}`);
    },
  },
  {
    what: 'hotcycle status', match: /^kubectl exec deploy\/web-hotcycle -c hotcycle -- hotcycle status$/, times: 2,
    after: async (s, ran, n) => {
      assert.match(ran.stdout, new RegExp(`master runs ${s.edited}\\b`));
      if (n === 1) assert.match(ran.stdout, new RegExp(`\\b${s.rejected} rejected\\b`), 'the rejected version in "last syncs"');
    },
  },
];

function ready(): { cluster: Cluster; node: KubeletNode } {
  if (!cluster || !node) throw new Error('the cluster and its node are not started (before() failed)');
  return { cluster, node };
}

/** Runs one README command with bash in the working directory; a failure carries its output. */
function runCommand(command: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-o', 'pipefail', '-c', command], { cwd: workdir, env, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        transcript.push(`$ ${command}`, stdout.trimEnd(), ...(stderr.trim() ? [`[stderr] ${stderr.trimEnd()}`] : []), '');
        if (error) reject(new Error(`\`${command}\` failed (${error.code ?? error.signal}):\n${stdout}\n${stderr}`));
        else resolve({ command, stdout, stderr });
      });
  });
}

test('README "On a cluster": every command runs in order under a real kubelet and shows what the README says', { timeout: 900_000 }, async () => {
  const { cluster: c, node: n } = ready();
  const text = section(readme(), SECTION);
  const blocks = codeBlocks(text);
  const commands = shellCommands(blocks);
  assert.ok(commands.length > 0, 'the section has sh blocks');
  for (const edit of [GOOD_EDIT, BAD_EDIT]) assert.ok(text.replace(/\s+/g, ' ').includes(edit.described), `the README describes the edit: ${edit.described}`);

  // images.yaml: the README's names only the two images; this machine's are the local builds.
  const images = blocks.filter((b) => b.lang === 'yaml');
  assert.equal(images.length, 1, 'one yaml block: images.yaml');
  const shown = parse(images[0]!.text) as { image: Record<string, unknown>; sidecar: { image: Record<string, unknown> } };
  assert.deepEqual(Object.keys(shown).sort(), ['image', 'sidecar']);
  assert.deepEqual(Object.keys(shown.image).sort(), ['repository', 'tag']);
  assert.deepEqual(Object.keys(shown.sidecar).sort(), ['image']);
  assert.deepEqual(Object.keys(shown.sidecar.image).sort(), ['repository', 'tag']);
  const [appRepository, appTag] = APP_IMAGE.split(':');
  const [sidecarRepository, sidecarTag] = SIDECAR_IMAGE.split(':');
  await writeFile(join(workdir, 'images.yaml'), stringify({
    image: { repository: appRepository, tag: appTag, pullPolicy: 'Never' },
    sidecar: { image: { repository: sidecarRepository, tag: sidecarTag, pullPolicy: 'Never' } },
  }));
  await symlink(join(ROOT, 'charts'), join(workdir, 'charts'));

  // The reader's kubeconfig: the cluster's, its current context in this test's namespace.
  const kubeconfig = join(workdir, '.kube', 'config');
  await mkdir(dirname(kubeconfig), { recursive: true });
  await copyFile(c.info.kubeconfig, kubeconfig);
  await c.must(['config', 'set-context', '--current', `--namespace=${namespace}`, '--kubeconfig', kubeconfig]);

  // The editor kubectl edit opens: the edit the README describes, exactly once, or it fails.
  const editor = join(workdir, 'editor.mjs');
  await writeFile(editor, `#!${process.execPath}
import { readFileSync, writeFileSync } from 'node:fs';
const file = process.argv.at(-1);
const { README_EDIT_FROM: from, README_EDIT_TO: to } = process.env;
const text = readFileSync(file, 'utf8');
if (!from || text.split(from).length !== 2) { console.error('editor: ' + JSON.stringify(from) + ' is not in the file once:\\n' + text); process.exit(1); }
writeFileSync(file, text.replace(from, to));
`);
  await chmod(editor, 0o755);

  const state: State = { c, pods: [], initial: '', edited: '', rejected: '', editedAt: 0, events: new Map() };
  const counts = new Map<Step, number>();
  let executed = 0;
  const outputs: Ran[] = [];
  for (const command of commands) {
    const matching = STEPS.filter((s) => s.match.test(command));
    assert.ok(matching.length <= 1, `one step per command: ${command}`);
    const step = matching[0];
    const occurrence = step ? counts.get(step) ?? 0 : 0;
    if (step) counts.set(step, occurrence + 1);
    await step?.before?.(state, occurrence);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${dirname(kubectlPath())}:${process.env.PATH ?? ''}`,
      HOME: workdir,
      KUBECONFIG: kubeconfig,
      KUBE_EDITOR: editor,
      ...(state.edit ? { README_EDIT_FROM: state.edit.from, README_EDIT_TO: state.edit.to } : {}),
    };
    process.stderr.write(`[readme] $ ${command}\n`);
    const ran = await runCommand(command, env).catch(async (error: unknown) => {
      const events = await c.kubectl(['get', 'events', '-n', namespace, '--sort-by=.lastTimestamp', '-o', 'custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message']);
      throw new Error(`${(error as Error).message}\n--- events ---\n${events.stdout}\n${n.diagnostics()}`);
    });
    executed++;
    outputs.push(ran);
    await step?.after(state, ran, occurrence);
  }
  assert.equal(executed, commands.length, 'every command of the section ran');
  for (const step of STEPS) assert.equal(counts.get(step) ?? 0, step.times, `the section runs "${step.what}" ${step.times}×`);
  checkExcerpts(blocks, outputs);
});

/** Hashes, times, ages and counters vary from run to run; the rest of an output line must not. */
function normalize(line: string): string {
  return line
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME')
    .replace(/\b[0-9a-f]{12,64}\b/g, 'HASH')
    .replace(/\b\d+ ms\b/g, 'N ms')
    .replace(/\b(\d+[smhd])+\b/g, 'AGE')
    .replace(/resourceVersion \d+/g, 'resourceVersion N')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The README's output excerpts (its unlabelled blocks: `$ command`, then lines of its output,
 * `…` for what was left out) are this run's: each line is a line the command printed, but for
 * what `normalize` blanks out. The n-th excerpt of a command is checked against its n-th run.
 */
function checkExcerpts(blocks: readonly CodeBlock[], outputs: readonly Ran[]): void {
  const excerpts = blocks.filter((b) => b.lang === '');
  assert.ok(excerpts.length > 0, 'the section shows output');
  const used = new Map<string, number>();
  let checked = 0;
  for (const excerpt of excerpts) {
    let printed: Set<string> | undefined;
    for (const line of excerpt.text.split('\n')) {
      if (line.startsWith('$ ')) {
        const command = line.slice(2);
        const n = used.get(command) ?? 0;
        used.set(command, n + 1);
        const ran = outputs.filter((o) => o.command === command)[n];
        assert.ok(ran, `the excerpt's \`${command}\` (its ${n + 1}. run) is a command the section ran`);
        printed = new Set(`${ran.stdout}\n${ran.stderr}`.split('\n').map(normalize));
      } else if (line.trim() !== '…' && line.trim() !== '') {
        assert.ok(printed, `an excerpt starts with \`$ command\`: ${excerpt.text}`);
        assert.ok(printed.has(normalize(line)), `the README shows a line its command did not print:\n${line}`);
        checked++;
      }
    }
  }
  process.stderr.write(`[readme] ${checked} lines of the README's output excerpts match this run's output\n`);
}
