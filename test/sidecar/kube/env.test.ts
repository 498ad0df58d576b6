// Limit: no real Kubernetes cluster can run on this machine; "in a cluster" is simulated the way
// kubelet presents it to a container: KUBERNETES_SERVICE_* variables, a service-account token
// file, and Downward API variables.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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
    { name: 'namespace from the service account', env: { ...cluster, POD_NAME: 'web-0' }, expect: { podName: 'web-0', namespace: 'from-file' } },
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
