// Acceptance (sidecar) 2: an invalid version — for each checker: YAML syntax, schema violation,
// nginx brace / quote / semicolon, a user JSON Schema — never reaches the live directory, its
// finding names file:line:col, the master's generation does not change, and the next valid
// version goes through.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { hashFileSet, readFileSet } from '../../src/configset/fileset.ts';
import { fetchText } from '../helpers/load.ts';
import { demoConfig } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod, probe } from '../helpers/sidecar.ts';

let pod: Pod;
let port: number;
let config: string;
const SITE = 'events {}\nhttp {\n  server {\n    listen 80;\n  }\n}\n';
const SCHEMA = '{"type":"object","required":["path"],"properties":{"path":{"type":"string"}}}';
const valid = (message: string) => ({ 'message.txt': message, 'site.conf': SITE, 'routes/a.json': '{"path": "/"}', 'schemas/routes.json': SCHEMA });

before(async () => {
  port = await freePort();
  config = stringify({ ...demoConfig(port, { count: 1 }), checks: { nginx: { files: '*.conf' }, schemas: [{ files: 'routes/*.json', schema: 'schemas/routes.json' }] } });
  pod = await Pod.create(valid('valid 0'), config);
});
after(() => pod.cleanup());

const INVALID: Array<{ name: string; files: Record<string, string>; yaml?: string; finding: string }> = [
  { name: 'YAML syntax', files: valid('x'), yaml: 'workers: {count: 2\n', finding: 'hotcycle.yaml:2:1: YAML syntax error' },
  { name: 'schema violation', files: valid('x'), yaml: 'workers:\n  count: two\n  command: [node]\n', finding: 'hotcycle.yaml:2:10: workers.count' },
  { name: 'nginx brace', files: { ...valid('x'), 'site.conf': 'events {}\nhttp {\n  server {\n    listen 80;\n  }\n' }, finding: 'site.conf:6:1: unexpected end of file, expecting "}"' },
  { name: 'nginx quote', files: { ...valid('x'), 'site.conf': 'events {}\nhttp {\n  server {\n    return 200 "hi;\n  }\n}\n' }, finding: 'site.conf:7:1: unexpected end of file' },
  { name: 'nginx semicolon', files: { ...valid('x'), 'site.conf': 'events {}\nhttp {\n  server {\n    listen 80\n  }\n}\n' }, finding: 'site.conf:5:3: unexpected "}"' },
  { name: 'user JSON Schema', files: { ...valid('x'), 'routes/a.json': '{\n  "path": 5\n}\n' }, finding: 'routes/a.json:2:11: path: expected a string' },
];

test('each checker keeps its invalid version out of the live directory; the next valid one goes through', async () => {
  const sidecar = await pod.startSidecar();
  await sidecar.waitForLog((l) => l.event === 'config.published');
  await pod.startMaster();
  await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
  const generation = (await pod.masterStatus()).generation;
  const liveHash = hashFileSet(await readFileSet(pod.liveDir));

  for (const [i, bad] of INVALID.entries()) {
    const rejected = sidecar.nextLog((l) => l.event === 'config.rejected');
    await pod.update(bad.files, bad.yaml ?? config);
    const line = await rejected;
    const findings = line.diagnostics as string[];
    assert.ok(findings.some((f) => f.startsWith(bad.finding)), `${bad.name}: ${JSON.stringify(findings)} names ${bad.finding}`);
    assert.equal(line.configHash, hashFileSet(await readFileSet(pod.source.dir)), bad.name);
    assert.equal(hashFileSet(await readFileSet(pod.liveDir)), liveHash, `${bad.name}: the live directory is untouched`);
    assert.equal((await pod.masterStatus()).generation, generation, `${bad.name}: no cycle`);
    const metrics = (await probe(pod.metricsPort, '/metrics')).body;
    assert.match(metrics, new RegExp(`^hotcycle_config_rejected_total ${i + 1}$`, 'm'));
    // What the chart's HotcycleConfigRejected alert reads; the master runs an older version.
    assert.match(metrics, /^hotcycle_config_source_rejected 1$/m, bad.name);
    assert.match(metrics, /^hotcycle_config_behind_source 1$/m, bad.name);
  }
  const byCheck = (await probe(pod.metricsPort, '/metrics')).body;
  // YAML syntax and schema violation: hotcycle.yaml's own check; three nginx; one user JSON Schema.
  for (const [check, count] of [['hotcycle', 2], ['nginx', 3], ['schema', 1]] as const) {
    assert.match(byCheck, new RegExp(`^hotcycle_config_rejected_by_check_total\\{check="${check}"\\} ${count}$`, 'm'), byCheck);
  }
  const status = await pod.sidecarStatus();
  assert.equal(status.lastResults[0]?.outcome, 'rejected');
  assert.ok(status.lastResults[0]?.rejected?.some((d) => d.file === 'routes/a.json' && d.line === 2 && d.column === 11));

  const reloaded = sidecar.nextLog((l) => l.event === 'reload.ok');
  await pod.update(valid('valid again'), config);
  await reloaded;
  assert.equal((await pod.masterStatus()).generation, generation + 1);
  assert.match((await fetchText(port)).body, /valid again/);
  const fixed = (await probe(pod.metricsPort, '/metrics')).body;
  assert.match(fixed, /^hotcycle_config_source_rejected 0$/m);
  assert.match(fixed, /^hotcycle_config_behind_source 0$/m);
});
