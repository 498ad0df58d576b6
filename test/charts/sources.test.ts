// Issue 12, acceptance 6: extra sources from values — Secrets (a kubernetes.io/tls one for the
// default nginx.conf's HTTPS server) and ConfigMaps — mounted read-only into the sidecar only and
// passed as --source/--secret-source NAME=DIR; the HTTPS nginx.conf passes the sidecar's checks
// and the real `nginx -t` with a real certificate; bad values fail with a message naming them.
// (helm lint --strict over ci/sources-values.yaml and ci/https-values.yaml: lint.test.ts; the
// defaults rendering as before: deploy/kustomize.test.ts compares them with plain manifests.)
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Container, PodSpec, Service } from 'kubernetes-types/core/v1.js';
import { fileSetFrom } from '../../src/configset/fileset.ts';
import { execWithOutput } from '../../src/process/pipes.ts';
import { checkFileSet } from '../../src/checks/gate.ts';
import { TestCa, type Issued } from '../fixtures/tls/pki.ts';
import { CHART, findObject, helmPath, renderChart, runTool, type K8sObject } from './k8s-tools.ts';

const values = (name: string) => ['-f', join(CHART, 'ci', `${name}-values.yaml`)];

function pod(objects: K8sObject[]): { spec: PodSpec; app: Container; sidecar: Container } {
  const spec = (findObject(objects, 'Deployment') as Deployment).spec!.template.spec!;
  return { spec, app: spec.containers.find((c) => c.name === 'app')!, sidecar: spec.initContainers!.find((c) => c.name === 'hotcycle')! };
}

const sourceArgs = (sidecar: Container) => sidecar.command!.flatMap((arg, i, all) =>
  (arg === '--secret-source' || (arg === '--source' && all[i + 1]?.includes('='))) ? [`${arg} ${all[i + 1]}`] : []);

test('the defaults add no source, no mount, no port and no TLS', async () => {
  const objects = await renderChart();
  const { spec, app, sidecar } = pod(objects);
  assert.deepEqual(sourceArgs(sidecar), []);
  assert.ok(!spec.volumes!.some((v) => v.name.startsWith('source-')));
  assert.deepEqual(app.ports!.map((p) => p.name), ['http']);
  assert.deepEqual((findObject(objects, 'Service') as Service).spec!.ports!.map((p) => p.name), ['http']);
  assert.doesNotMatch((findObject(objects, 'ConfigMap').data as Record<string, string>)['nginx.conf']!, /ssl/);
});

test('sources: Secrets and ConfigMaps mounted read-only into the sidecar only, with their modes', async () => {
  const { spec, app, sidecar } = pod(await renderChart(values('sources')));
  assert.deepEqual(sourceArgs(sidecar), ['--source routes=/etc/hotcycle/sources/routes', '--secret-source auth=/etc/hotcycle/sources/auth']);
  const mounts = sidecar.volumeMounts!.filter((m) => m.name.startsWith('source-'));
  assert.deepEqual(mounts.map((m) => [m.mountPath, m.readOnly]), [['/etc/hotcycle/sources/routes', true], ['/etc/hotcycle/sources/auth', true]]);
  for (const m of mounts) assert.equal(app.volumeMounts!.find((a) => a.name === m.name), undefined, `the app does not mount ${m.name}`);
  const volume = (name: string) => spec.volumes!.find((v) => v.name === name);
  assert.deepEqual(volume(mounts[0]!.name)?.configMap, { name: 'web-routes' });
  assert.deepEqual(volume(mounts[1]!.name)?.secret, { secretName: 'web-htpasswd', defaultMode: 0o440 });
});

describe('https: the default nginx.conf serves HTTPS from a kubernetes.io/tls Secret', () => {
  let ca: TestCa;
  let pair: Issued;
  let objects: K8sObject[];
  let conf: string;
  before(async () => {
    ca = await TestCa.create();
    pair = await ca.issue('localhost');
    objects = await renderChart(values('https'));
    conf = (findObject(objects, 'ConfigMap').data as Record<string, string>)['nginx.conf']!;
  });
  after(() => ca?.close());

  test('the Secret is the source tls; the container and the Service get an https port', () => {
    const { spec, app, sidecar } = pod(objects);
    assert.deepEqual(sourceArgs(sidecar), ['--secret-source tls=/etc/hotcycle/sources/tls']);
    assert.ok(spec.volumes!.some((v) => v.secret?.secretName === 'web-tls'));
    assert.deepEqual(app.ports!.find((p) => p.name === 'https'), { name: 'https', containerPort: 8443, protocol: 'TCP' });
    assert.deepEqual((findObject(objects, 'Service') as Service).spec!.ports!.find((p) => p.name === 'https'), { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' });
  });

  test("the set (nginx.conf and the Secret's files) passes every check of the sidecar, the tls check included", async () => {
    const set = fileSetFrom({ 'nginx.conf': conf, 'tls/tls.crt': pair.chain, 'tls/tls.key': pair.key });
    assert.deepEqual(await checkFileSet(set, { driver: 'nginx' }), []);
    const mismatched = fileSetFrom({ 'nginx.conf': conf, 'tls/tls.crt': pair.chain, 'tls/tls.key': (await ca.issue('other')).key });
    assert.deepEqual((await checkFileSet(mismatched, { driver: 'nginx' })).map((d) => `${d.file}: ${d.message}`), ['tls/tls.key: private key does not match tls/tls.crt']);
  });

  test('passes the real nginx -t as a non-root user, the certificate and key beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotcycle-https-'));
    try {
      mkdirSync(join(dir, 'tls'));
      writeFileSync(join(dir, 'nginx.conf'), conf.replaceAll('/tmp/', `${dir}/`));
      writeFileSync(join(dir, 'tls', 'tls.crt'), pair.chain);
      writeFileSync(join(dir, 'tls', 'tls.key'), pair.key);
      chmodSync(join(dir, 'tls', 'tls.key'), 0o600);
      for (const path of [dir, join(dir, 'tls'), join(dir, 'nginx.conf'), join(dir, 'tls', 'tls.crt'), join(dir, 'tls', 'tls.key')]) chownSync(path, 65534, 65534);
      const result = await execWithOutput('nginx', ['-e', 'stderr', '-t', '-c', join(dir, 'nginx.conf')], { uid: 65534, gid: 65534, timeoutMs: 10_000 });
      assert.equal(result.exit.code, 0, result.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad sources fail with a clear message', () => {
  const cases: Array<{ what: string; args: string[]; message: RegExp }> = [
    { what: 'https without a Secret', args: ['--set', 'https.enabled=true'], message: /https.enabled needs https.secretName/ },
    { what: 'a name with a slash', args: ['--set', 'sources[0].name=a/b', '--set', 'sources[0].secret=s'], message: /at '\/sources\/0\/name'/ },
    { what: 'neither secret nor configMap', args: ['--set', 'sources[0].name=a'], message: /at '\/sources\/0'/ },
    { what: 'a name twice', args: [...values('https'), '--set', 'sources[0].name=tls', '--set', 'sources[0].configMap=c'], message: /sources: the name "tls" is used twice/ },
    { what: 'a name that is a ConfigMap file', args: ['--set', 'sources[0].name=nginx.conf', '--set', 'sources[0].configMap=c'], message: /sources: the name "nginx.conf" is also a file of the ConfigMap/ },
  ];
  for (const { what, args, message } of cases) {
    test(what, async () => {
      const result = await runTool(helmPath(), ['template', 'x', CHART, ...args]);
      assert.equal(result.ok, false, 'helm template accepted it');
      assert.match(result.stderr, message);
    });
  }
});
