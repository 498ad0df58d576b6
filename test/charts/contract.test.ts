// Acceptance 3 (paths and volumes): the pod spec matches what the binaries expect. Paths come
// from src/cli/defaults.ts, the table every command reads, not from this file.
import assert from 'node:assert/strict';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { describe, test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { checkNginx } from '../../src/checks/nginx/index.ts';
import { parseNginxCommand } from '../../src/master/drivers/nginx/command.ts';
import { execWithOutput } from '../../src/process/pipes.ts';
import { SETTINGS, type Setting } from '../../src/cli/defaults.ts';
import { combinations, findObject, renderChart, type K8sObject } from './k8s-tools.ts';

const LIVE = SETTINGS.configDir.fallback;
const MASTER_SOCKET = SETTINGS.masterSocket.fallback;
const SIDECAR_SOCKET = SETTINGS.sidecarSocket.fallback;
const RUN = posix.dirname(MASTER_SOCKET);
// The sidecar's --source default, once src/cli has it; DESIGN.md §1 until then.
const SOURCE = (SETTINGS as Record<string, Setting>).sourceDir?.fallback ?? '/etc/hotcycle/source';

function flag(command: readonly string[], name: string): string | undefined {
  const i = command.indexOf(name);
  return i < 0 ? undefined : command[i + 1];
}

function mountOf(container: Container, volume: string): { mountPath: string; readOnly?: boolean; subPath?: string } | undefined {
  return container.volumeMounts?.find((m) => m.name === volume);
}

function parts(objects: K8sObject[]): { pod: PodSpec; app: Container; sidecar: Container } {
  const pod = (findObject(objects, 'Deployment') as Deployment).spec!.template.spec!;
  const app = pod.containers.find((c) => c.name === 'app');
  const sidecar = pod.initContainers?.find((c) => c.name === 'hotcycle');
  assert.ok(app && sidecar, 'containers "app" and init container "hotcycle" expected');
  return { pod, app, sidecar };
}

for (const { name, args } of combinations()) {
  describe(`pod contract: ${name}`, async () => {
    const objects = await renderChart(args);
    const { pod, app, sidecar } = parts(objects);

    test('the sidecar is a native sidecar whose startup probe waits for the first published version', () => {
      assert.equal(sidecar.restartPolicy, 'Always');
      assert.equal(sidecar.startupProbe?.httpGet?.path, '/startupz');
      assert.equal(sidecar.readinessProbe?.httpGet?.path, '/readyz');
      assert.equal(sidecar.livenessProbe?.httpGet?.path, '/healthz');
      assert.ok(sidecar.command!.includes('sidecar'));
    });

    test('the app and the sidecar share the live and run volumes at the paths the binaries use', () => {
      for (const [volume, path] of [['hotcycle-live', LIVE], ['hotcycle-run', RUN]] as const) {
        assert.deepEqual(pod.volumes?.find((v) => v.name === volume)?.emptyDir, {}, `${volume} is an emptyDir`);
        assert.equal(mountOf(app, volume)?.mountPath, path, `app mounts ${volume} at ${path}`);
        assert.equal(mountOf(sidecar, volume)?.mountPath, path, `sidecar mounts ${volume} at ${path}`);
        assert.notEqual(mountOf(sidecar, volume)?.readOnly, true, `the sidecar writes ${volume}`);
      }
      assert.notEqual(mountOf(app, 'hotcycle-run')?.readOnly, true, 'the master creates its socket in the run volume');
      assert.equal(flag(app.command!, '--config-dir'), LIVE);
      assert.equal(flag(app.command!, '--socket'), MASTER_SOCKET);
      assert.equal(flag(sidecar.command!, '--live'), LIVE);
      assert.equal(flag(sidecar.command!, '--master-socket'), MASTER_SOCKET);
      assert.equal(flag(sidecar.command!, '--socket'), SIDECAR_SOCKET);
      assert.equal(flag(sidecar.command!, '--source'), SOURCE);
    });

    test('the ConfigMap is mounted as a directory (never subPath), in the sidecar only', () => {
      const volume = pod.volumes?.find((v) => v.configMap && v.name === 'config');
      assert.ok(volume?.configMap?.name, 'a configMap volume named "config"');
      const cm = objects.find((o) => o.kind === 'ConfigMap');
      assert.equal(volume.configMap.name, cm?.metadata.name ?? volume.configMap.name);
      assert.equal(volume.configMap.items, undefined, 'the whole ConfigMap, not selected items');
      assert.equal(mountOf(sidecar, 'config')?.mountPath, SOURCE);
      assert.equal(mountOf(app, 'config'), undefined, 'the app reads only the checked live copy');
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        for (const m of c.volumeMounts ?? []) assert.equal(m.subPath ?? m.subPathExpr, undefined, `${c.name} mounts ${m.name} with subPath`);
      }
    });

    test('the sidecar alone reads the Pod\'s annotations from a downwardAPI file, the one --pod-annotations names (kubectl hotcycle reload)', () => {
      const volume = pod.volumes?.find((v) => v.downwardAPI?.items?.some((i) => i.fieldRef?.fieldPath === 'metadata.annotations'));
      assert.ok(volume, 'a downwardAPI volume with the item metadata.annotations');
      const item = volume.downwardAPI!.items!.find((i) => i.fieldRef?.fieldPath === 'metadata.annotations')!;
      const mount = mountOf(sidecar, volume.name);
      assert.equal(mount?.readOnly, true);
      assert.equal(flag(sidecar.command!, '--pod-annotations'), posix.join(mount.mountPath, item.path));
      assert.equal(mountOf(app, volume.name), undefined, 'the app has no use for them');
    });

    test('hardened: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', () => {
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
      assert.equal(pod.automountServiceAccountToken, false, 'only the sidecar gets the API token');
      assert.ok(mountOf(sidecar, 'kube-api-access'));
      assert.equal(mountOf(app, 'kube-api-access'), undefined);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const s = c.securityContext;
        assert.equal(s?.readOnlyRootFilesystem, true, c.name);
        assert.equal(s?.allowPrivilegeEscalation, false, c.name);
        assert.equal(s?.runAsNonRoot, true, c.name);
        assert.deepEqual(s?.capabilities?.drop, ['ALL'], c.name);
        assert.equal(s?.seccompProfile?.type, 'RuntimeDefault', c.name);
      }
    });

    test('the nginx driver accepts the server command after --, reading the live nginx.conf', (t) => {
      // hotcycle master's own arguments: what follows `master` (tini's `--` comes before it).
      const command = app.command!.slice(app.command!.indexOf('master') + 1);
      if (!command.includes('--driver') || flag(command, '--driver') !== 'nginx') {
        assert.equal(command.indexOf('--'), -1, 'the native driver takes no command');
        return;
      }
      const nginx = parseNginxCommand(command.slice(command.indexOf('--') + 1));
      assert.equal(nginx.confFile, `${LIVE}/nginx.conf`);
      assert.equal(nginx.errorLog, 'stderr');
      t.diagnostic(nginx.args.join(' '));
    });

    // Debian's tini parses every option it sees: without `--`, `tini hotcycle sidecar --source …`
    // exits 1 with "invalid option". Everything after `--` is the program's.
    test('tini, when it starts a command, ends its own options with --', () => {
      for (const c of [app, sidecar]) {
        const command = c.command!;
        if (command[0] !== 'tini') continue;
        assert.equal(command[1], '--', `${c.name}: ${command.slice(0, 3).join(' ')}`);
      }
    });

    test('the sidecar runs check commands in a writable scratch emptyDir (TMPDIR) on its read-only root', () => {
      const tmp = sidecar.env?.find((e) => e.name === 'TMPDIR')?.value;
      assert.ok(tmp, 'TMPDIR is set');
      const mount = sidecar.volumeMounts?.find((m) => m.mountPath === tmp);
      assert.ok(mount && mount.readOnly !== true, `${tmp} is a writable mount`);
      assert.deepEqual(pod.volumes?.find((v) => v.name === mount.name)?.emptyDir, {}, `${mount.name} is an emptyDir`);
    });

    test('the sidecar gets its Pod identity from the Downward API', () => {
      const env = new Map(sidecar.env?.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
      assert.equal(env.get('POD_NAME'), 'metadata.name');
      assert.equal(env.get('POD_NAMESPACE'), 'metadata.namespace');
      assert.equal(env.get('POD_UID'), 'metadata.uid');
    });
  });
}

describe('the default nginx.conf', async () => {
  const objects = await renderChart();
  const conf = (findObject(objects, 'ConfigMap').data as Record<string, string>)['nginx.conf']!;
  const { app } = parts(objects);

  // `auto` counts the node's CPUs, not the container's limit, and a reload doubles the workers.
  test('runs a fixed number of nginx workers, not auto', () => {
    assert.match(conf, /^\s*worker_processes [1-9][0-9]*;/m);
  });

  test('passes the sidecar\'s own nginx check', () => {
    assert.deepEqual(checkNginx(new Map([['nginx.conf', conf]])), []);
  });

  test('writes only under the app\'s writable emptyDirs (read-only root filesystem)', () => {
    const writable = (app.volumeMounts ?? []).filter((m) => m.name.startsWith('writable-')).map((m) => m.mountPath);
    const written = [...conf.matchAll(/^\s*(pid|\w+_temp_path)\s+(\S+);/gm)].map((m) => m[2]!);
    assert.ok(written.length >= 6, 'pid and the five temp paths are set');
    for (const path of written) assert.ok(writable.some((w) => path.startsWith(`${w}/`)), `${path} is not under ${writable.join(', ')}`);
    assert.match(conf, /^error_log stderr/m);
    assert.ok(app.command!.includes('-e') && app.command![app.command!.indexOf('-e') + 1] === 'stderr', 'nginx -e stderr: no compiled-in error log path');
  });

  // The stdio hotcycle master gives nginx: real pipes, owned by nginx's user, which
  // `access_log /dev/stdout;` reopens (a socketpair would fail with ENXIO).
  test('passes nginx -t as a non-root user with real pipes as stdio, as under hotcycle master', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotcycle-nginx-'));
    try {
      writeFileSync(join(dir, 'nginx.conf'), conf.replaceAll('/tmp/', `${dir}/`));
      chownSync(dir, 65534, 65534);
      const running = execWithOutput('nginx', ['-e', 'stderr', '-t', '-c', join(dir, 'nginx.conf')], { uid: 65534, gid: 65534, timeoutMs: 10_000 });
      const result = await running.catch((error: unknown) => assert.fail(`nginx is installed by scripts/test.sh (ensure_debian nginx): ${String(error)}`));
      assert.equal(result.exit.code, 0, result.stderr);
      assert.match(conf, /^\s*access_log \/dev\/stdout;/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Issue 25: the sidecar checks the file the master runs nginx with, or, without one, a conf.d.
describe('the sidecar\'s nginx check reads what nginx runs', () => {
  test('default: --nginx-conf names the file after the app\'s -c', async () => {
    const { app, sidecar } = parts(await renderChart());
    const conf = flag(app.command!, '-c');
    assert.equal(conf, `${LIVE}/${flag(sidecar.command!, '--nginx-conf')}`);
    assert.equal(flag(sidecar.command!, '--include-root'), undefined);
  });

  test('app.nginx.configFile "": the image\'s nginx.conf, the ConfigMap a conf.d of config.files', async () => {
    const objects = await renderChart(['--set', 'app.nginx.configFile=', '--set-string', 'config.files.default\\.conf=server { listen 8080; }']);
    const { app, sidecar } = parts(objects);
    assert.equal(flag(app.command!, '-c'), undefined);
    assert.equal(flag(sidecar.command!, '--nginx-conf'), undefined);
    assert.equal(flag(sidecar.command!, '--include-root'), '/etc/nginx/conf.d');
    assert.deepEqual(Object.keys(findObject(objects, 'ConfigMap').data as Record<string, string>), ['default.conf']);
  });
});
