// Acceptance 3 (RBAC): the Role grants exactly what the sidecar's Kubernetes code calls. The
// list of permissions is derived from the calls in src/sidecar/kube/*.ts and the rollout's
// Lease store (src/sidecar/rollout/store.ts) — client methods
// (`events.createNamespacedEvent(…)`) and watch paths (`.watch('/api/v1/namespaces/…/configmaps')`)
// — through the small tables below; a call they do not know fails the test until it is added.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import type { Role } from 'kubernetes-types/rbac/v1.js';
import { findObject, renderChart, ROOT } from './k8s-tools.ts';

const KUBE_DIR = join(ROOT, 'src', 'sidecar', 'kube');
/** Files outside KUBE_DIR that call the API through its client. */
const OTHER_FILES = [join(ROOT, 'src', 'sidecar', 'rollout', 'store.ts')];

/** API client class (client.ts: `name: kc.makeApiClient(k8s.Class)`) → API group. */
const API_GROUPS: Record<string, string> = { CoreV1Api: '', EventsV1Api: 'events.k8s.io', CoordinationV1Api: 'coordination.k8s.io' };
/** Generated method verb → RBAC verb. */
const VERBS: Record<string, string> = { create: 'create', patch: 'patch', list: 'list', read: 'get', replace: 'update', delete: 'delete' };
/** Files whose calls run only with one feature: the fast path (`--watch-configmap`), the last-good Secret, the rollout Lease. */
const FEATURE_FILES: Record<string, Feature> = { 'configmap-watch.ts': 'fastPath', 'last-good-store.ts': 'lastGood', 'store.ts': 'rollout' };
type Feature = 'fastPath' | 'lastGood' | 'rollout';
/** Resources a feature's calls name by resourceNames. */
const NAMED: Record<string, (names: { configMap: string; fullname: string }) => string> = {
  configmaps: ({ configMap }) => configMap,
  secrets: ({ fullname }) => `${fullname}-last-good`,
  leases: ({ fullname }) => `${fullname}-rollout`,
};

interface Permission { group: string; resource: string; verb: string; feature: Feature | null }

function receivers(source: string): Map<string, string> {
  const found = [...source.matchAll(/(\w+):\s*\w+\.makeApiClient\(\s*\w+\.(\w+)\s*\)/g)];
  return new Map(found.map((m) => [m[1]!, m[2]!]));
}

/** `Pod` → pods; the kind of a status subresource's method (`PodStatus`) → pods/status. */
function resourceOf(kind: string): string {
  const status = /^(\w+?)Status$/.exec(kind);
  return status ? `${status[1]!.toLowerCase()}s/status` : `${kind.toLowerCase()}s`;
}

/** Every (group, resource, verb) the code calls, with whether only the fast path calls it. */
function permissionsFromCode(): Permission[] {
  const files = [...readdirSync(KUBE_DIR).filter((f) => f.endsWith('.ts')).map((f) => join(KUBE_DIR, f)), ...OTHER_FILES];
  const clients = receivers(readFileSync(join(KUBE_DIR, 'client.ts'), 'utf8'));
  const out: Permission[] = [];
  for (const path of files) {
    const file = basename(path);
    const source = readFileSync(path, 'utf8');
    const feature = FEATURE_FILES[file] ?? null;
    for (const [, receiver, method] of source.matchAll(/\b(\w+)\.(\w+Namespaced\w+)\(/g)) {
      const api = clients.get(receiver!);
      const m = /^(\w+?)Namespaced(\w+)$/.exec(method!);
      const verb = m && VERBS[m[1]!];
      assert.ok(api && api in API_GROUPS, `${file}: ${receiver}.${method}: unknown API client "${receiver}" (extend API_GROUPS)`);
      assert.ok(m && verb, `${file}: ${method}: unknown method verb (extend VERBS)`);
      out.push({ group: API_GROUPS[api]!, resource: resourceOf(m[2]!), verb, feature });
    }
    for (const [, path] of source.matchAll(/\.watch\(\s*`([^`]+)`/g)) {
      const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/namespaces\/[^/]+\/([a-z]+)$/.exec(path!);
      assert.ok(m, `${file}: watch path ${path} not understood`);
      out.push({ group: m[1] ?? '', resource: m[2]!, verb: 'watch', feature });
    }
  }
  return out;
}

type Grant = string; // "group/resource/verb[names]"

function grantsOfRole(role: Role): Grant[] {
  return (role.rules ?? []).flatMap((r) =>
    (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g}/${res}/${v}${r.resourceNames ? `[${r.resourceNames.join(',')}]` : ''}`))));
}

describe('RBAC derived from the sidecar\'s calls', () => {
  const permissions = permissionsFromCode();

  test('the code makes the calls this test knows about (events, pod annotations and condition, ConfigMap watch, last-good Secret)', () => {
    assert.ok(permissions.length >= 7, `found only ${JSON.stringify(permissions)}`);
    // The condition hotcycle.dev/config-applied: always on in a cluster, like the annotations.
    assert.deepEqual(permissions.filter((p) => p.resource.startsWith('pods')).map((p) => `${p.resource}/${p.verb}/${p.feature}`).sort(), ['pods/patch/null', 'pods/status/patch/null']);
    assert.deepEqual(permissions.filter((p) => p.feature === 'lastGood').map((p) => `${p.resource}/${p.verb}`).sort(), ['secrets/get', 'secrets/patch']);
    // The rollout reads its Lease and writes it as a compare-and-swap (PUT): no patch, no create.
    assert.deepEqual(permissions.filter((p) => p.feature === 'rollout').map((p) => `${p.group}/${p.resource}/${p.verb}`).sort(),
      ['coordination.k8s.io/leases/get', 'coordination.k8s.io/leases/update']);
  });

  test('the fast path names its ConfigMap in a fieldSelector, which RBAC matches against resourceNames', () => {
    const source = readFileSync(join(KUBE_DIR, 'configmap-watch.ts'), 'utf8');
    assert.equal(source.match(/fieldSelector: `metadata\.name=\$\{name\}`/g)?.length, 2, 'both list and watch select metadata.name');
  });

  const fullname = 'hotcycle';
  for (const { on, args, configMap } of [
    { on: ['fastPath', 'lastGood', 'rollout'], args: [], configMap: 'hotcycle' },
    { on: ['fastPath', 'lastGood'], args: ['--set', 'replicaCount=1'], configMap: 'hotcycle' },
    { on: ['fastPath'], args: ['--set', 'lastGood.enabled=false', '--set', 'rollout.enabled=false'], configMap: 'hotcycle' },
    { on: ['lastGood'], args: ['--set', 'fastPath.enabled=false', '--set', 'rollout.enabled=false'], configMap: 'hotcycle' },
    { on: [], args: ['--set', 'fastPath.enabled=false', '--set', 'lastGood.enabled=false', '--set', 'rollout.enabled=false'], configMap: 'hotcycle' },
    { on: ['fastPath', 'lastGood', 'rollout'], args: ['--set', 'config.existingConfigMap=edge-config'], configMap: 'edge-config' },
    { on: ['fastPath', 'lastGood', 'rollout'], args: ['--set', 'rollout.enabled=true'], configMap: 'hotcycle' },
    { on: ['rollout'], args: ['--set', 'rollout.enabled=true', '--set', 'fastPath.enabled=false', '--set', 'lastGood.enabled=false'], configMap: 'hotcycle' },
  ]) {
    test(`features ${on.join(', ') || 'none'}${on.includes('fastPath') ? ` (ConfigMap ${configMap})` : ''}: the Role grants exactly the calls`, async () => {
      const role = findObject(await renderChart(args), 'Role') as Role;
      const expected = permissions
        .filter((p) => p.feature === null || on.includes(p.feature))
        .map((p) => `${p.group}/${p.resource}/${p.verb}${NAMED[p.resource] ? `[${NAMED[p.resource]!({ configMap, fullname })}]` : ''}`);
      assert.deepEqual([...new Set(grantsOfRole(role))].sort(), [...new Set(expected)].sort());
    });
  }

  test('the RoleBinding gives the Role to the pod\'s ServiceAccount', async () => {
    const objects = await renderChart();
    const binding = findObject(objects, 'RoleBinding') as unknown as { roleRef: { name: string }; subjects: Array<{ kind: string; name: string }> };
    const pod = (findObject(objects, 'Deployment') as unknown as { spec: { template: { spec: { serviceAccountName: string } } } }).spec.template.spec;
    assert.equal(binding.roleRef.name, findObject(objects, 'Role').metadata.name);
    assert.deepEqual(binding.subjects.map((s) => [s.kind, s.name]), [['ServiceAccount', pod.serviceAccountName]]);
  });
});
