// The pod spec → `podman run` translation of the kubelet stand-in, without podman: the chart's
// rendered pod, and what the stand-in refuses rather than silently drops.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { findObject, renderChart } from '../charts/k8s-tools.ts';
import { effectiveSecurity, envArgs, planRun, PodSpecError, quantityBytes, quantityCpus, type PlanContext } from './pod-plan.ts';

const identity = { name: 'web-0', namespace: 'shop', uid: 'u-1' };

function context(pod: PodSpec): PlanContext {
  return { pod, identity, netns: '/run/netns/x', prefix: 'p', volumeDirs: new Map((pod.volumes ?? []).map((v) => [v.name, `/host/${v.name}`])) };
}

function pairs(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

describe('the chart\'s default pod as podman run arguments', async () => {
  const pod = (findObject(await renderChart(), 'Deployment') as Deployment).spec!.template.spec!;
  const sidecar = pod.initContainers!.find((c) => c.name === 'hotcycle')!;
  const args = planRun(context(pod), sidecar);

  test('securityContext: uid/gid 1000, fsGroup, read-only root without podman\'s tmpfs, no capabilities, no new privileges', () => {
    assert.deepEqual(pairs(args, '--user'), ['1000:1000']);
    assert.deepEqual(pairs(args, '--group-add'), ['1000']);
    assert.ok(args.includes('--read-only') && args.includes('--read-only-tmpfs=false'));
    assert.deepEqual(pairs(args, '--cap-drop'), ['ALL']);
    assert.deepEqual(pairs(args, '--security-opt'), ['no-new-privileges']);
  });

  test('Downward API env, mounts (the ConfigMap read-only), limits, grace period, command', () => {
    const env = pairs(args, '--env');
    assert.ok(env.includes('POD_NAME=web-0') && env.includes('POD_NAMESPACE=shop') && env.includes('POD_UID=u-1'), env.join(' '));
    assert.ok(pairs(args, '--volume').includes('/host/config:/etc/hotcycle/source:ro'));
    assert.ok(pairs(args, '--volume').includes('/host/hotcycle-tmp:/tmp:rw'));
    assert.deepEqual(pairs(args, '--memory'), [String(256 * 2 ** 20)]);
    assert.deepEqual(pairs(args, '--stop-timeout'), [String(pod.terminationGracePeriodSeconds)]);
    assert.deepEqual(JSON.parse(pairs(args, '--entrypoint')[0]!), sidecar.command);
    assert.equal(args.at(-1), sidecar.image);
  });
});

describe('what the stand-in refuses', () => {
  const cases: { what: string; run: () => unknown; message: RegExp }[] = [
    { what: 'runAsNonRoot as root', run: () => effectiveSecurity({ runAsNonRoot: true, runAsUser: 0 }, {}, 'c'), message: /runAsNonRoot/ },
    { what: 'runAsNonRoot without a numeric user', run: () => effectiveSecurity({}, { runAsNonRoot: true }, 'c'), message: /runAsNonRoot/ },
    { what: 'a Localhost seccomp profile', run: () => effectiveSecurity({}, { seccompProfile: { type: 'Localhost' } }, 'c'), message: /seccompProfile Localhost/ },
    { what: 'an unknown fieldRef', run: () => envArgs([{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } }], identity, 'c'), message: /only Downward API fieldRefs/ },
    { what: 'a subPath mount', run: () => planRun(context({ containers: [], volumes: [{ name: 'v', emptyDir: {} }] }), { name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/x', subPath: 'a' }] } as Container), message: /subPath/ },
    { what: 'a mount of a volume the pod lacks', run: () => planRun(context({ containers: [] }), { name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/x' }] }), message: /volume v is not in the pod/ },
  ];
  for (const { what, run, message } of cases) {
    test(what, () => assert.throws(run, (error: unknown) => error instanceof PodSpecError && message.test(error.message)));
  }
});

describe('quantities', () => {
  for (const [quantity, bytes] of [['256Mi', 268_435_456], ['1Gi', 2 ** 30], ['500M', 5e8], ['1024', 1024], ['1.5Ki', 1536]] as const) {
    test(`${quantity} = ${bytes} bytes`, () => assert.equal(quantityBytes(quantity), bytes));
  }
  for (const [quantity, cpus] of [['500m', 0.5], ['2', 2], ['0.25', 0.25]] as const) {
    test(`${quantity} = ${cpus} CPUs`, () => assert.equal(quantityCpus(quantity), cpus));
  }
  test('an unsupported quantity is refused', () => assert.throws(() => quantityBytes('1e3'), PodSpecError));
});
