// The detection alone, table-driven: "in a cluster" is what kubelet presents to a container
// (KUBERNETES_SERVICE_* variables, a service-account token file, Downward API variables).
// test/cluster/sidecar-report.test.ts runs the sidecar with a real bound token instead.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { HotcycleError } from '../../../src/errors.ts';
import { detectKubeEnvironment, logKubeEnvironment } from '../../../src/sidecar/kube/env.ts';

let saDir: string;
before(async () => {
  saDir = await mkdtemp(join(tmpdir(), 'hotcycle-sa-'));
  await writeFile(join(saDir, 'token'), 'token');
  await writeFile(join(saDir, 'namespace'), 'from-file\n');
});
after(async () => { await rm(saDir, { recursive: true, force: true }); });

const cluster = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

describe('detectKubeEnvironment', () => {
  const cases: Array<{ name: string; env: NodeJS.ProcessEnv; dir?: string; expect: RegExp | object }> = [
    { name: 'outside a cluster', env: {}, expect: /KUBERNETES_SERVICE_HOST.* not set/ },
    { name: 'no service-account token', env: { ...cluster, POD_NAME: 'p' }, dir: '/nonexistent', expect: /no service-account token at \/nonexistent\/token/ },
    { name: 'no POD_NAME', env: { ...cluster }, expect: /POD_NAME is not set.*Downward API/ },
    { name: 'in a cluster', env: { ...cluster, POD_NAME: 'web-0', POD_NAMESPACE: 'shop', POD_UID: 'u-1' }, expect: { podName: 'web-0', namespace: 'shop', podUid: 'u-1' } },
    { name: 'namespace from the service account', env: { ...cluster, POD_NAME: 'web-0', POD_UID: 'u-1' }, expect: { podName: 'web-0', namespace: 'from-file', podUid: 'u-1' } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const result = detectKubeEnvironment(c.env, c.dir ?? saDir);
      if (c.expect instanceof RegExp) {
        assert.equal(result.inCluster, false);
        assert.match(result.inCluster ? '' : result.reason, c.expect);
      } else {
        assert.deepEqual(result, { inCluster: true, identity: c.expect });
      }
    });
  }

  // The shape of a projected token's claims (test/cluster/sidecar-report.test.ts uses real ones).
  const token = (claims: object) => ['{"alg":"RS256"}', JSON.stringify(claims)].map((p) => Buffer.from(p).toString('base64url')).join('.') + '.signature';
  const bound = (name: string) => token({ sub: 'system:serviceaccount:shop:web', 'kubernetes.io': { namespace: 'shop', pod: { name, uid: `uid-${name}` } } });
  const identityCases: Array<{ name: string; token: string; expect: string | RegExp }> = [
    { name: 'without POD_UID, the uid comes from the token bound to this Pod', token: bound('web-0'), expect: 'uid-web-0' },
    { name: 'a token bound to another Pod is an error', token: bound('web-1'), expect: /token is bound to Pod web-1, not web-0/ },
    { name: 'a token bound to no Pod is an error', token: token({ sub: 'system:serviceaccount:shop:web' }), expect: /token is not bound to a Pod/ },
    { name: 'an opaque token is an error', token: 'token', expect: /token is not bound to a Pod/ },
  ];
  for (const c of identityCases) {
    test(c.name, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'hotcycle-sa-'));
      await writeFile(join(dir, 'token'), c.token);
      const detect = () => detectKubeEnvironment({ ...cluster, POD_NAME: 'web-0', POD_NAMESPACE: 'shop' }, dir);
      if (typeof c.expect === 'string') {
        assert.deepEqual(detect(), { inCluster: true, identity: { podName: 'web-0', namespace: 'shop', podUid: c.expect } });
      } else {
        assert.throws(detect, (e: HotcycleError) => e.code === 'EKUBEIDENTITY' && e.phase === 'config' && c.expect instanceof RegExp && c.expect.test(e.message) && /POD_UID/.test(e.detail ?? ''));
      }
      await rm(dir, { recursive: true });
    });
  }

  test('outside a cluster the reporter is off with one clear log line', () => {
    const lines: string[] = [];
    const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
    const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
    logKubeEnvironment(logger, detectKubeEnvironment({}, saDir));
    assert.equal(lines.length, 1);
    assert.match(JSON.parse(lines[0]!).message, /^kubernetes reporting off: KUBERNETES_SERVICE_HOST/);
  });

  test('importing the kube modules does not load @kubernetes/client-node (only creating a client does)', async () => {
    // A resolve hook records every module the process loads; the control import proves it sees the library.
    const script = `
      import { registerHooks } from 'node:module';
      const seen = [];
      registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
      for (const m of ['env', 'types', 'events', 'retry', 'report-queue', 'client', 'reporter', 'configmap-files', 'configmap-watch']) {
        await import('./src/sidecar/kube/' + m + '.ts');
      }
      const before = seen.filter((u) => u.includes('@kubernetes')).length;
      await import('@kubernetes/client-node');
      console.log(JSON.stringify([before, seen.filter((u) => u.includes('@kubernetes')).length > 0]));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '../../..') });
    assert.deepEqual(JSON.parse(stdout), [0, true]);
  });
});
