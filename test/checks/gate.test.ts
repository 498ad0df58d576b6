// The gate's checks on real file sets: every checker's findings as file:line:col, in order,
// all collected; check commands run for real (sh, sleep) in a copy of the set.
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatDiagnostic } from '../../src/diagnostic.ts';
import { readConfigSet } from '../../src/configset/snapshot.ts';
import { locate } from '../../src/checks/commands.ts';
import { parseSchemaFlag } from '../../src/checks/schema-mappings.ts';
import { fileSetFrom } from '../../src/configset/fileset.ts';
import { checkFileSet, unreadableVersion, type SidecarDriver } from '../../src/checks/gate.ts';

const CHECKED = 'workers: {command: [node, app.js]}\nchecks:\n  nginx: {files: "*.conf"}\n  schemas: [{files: "routes/*.json", schema: schemas/routes.json}]\n';
const ROUTES_SCHEMA = '{"type":"object","properties":{"path":{"type":"string"}}}';

async function findings(files: Record<string, string>, driver: SidecarDriver = 'native', schemas = parseSchemaFlags([])): Promise<string[]> {
  return (await checkFileSet(fileSetFrom(files), { driver, schemas })).map(formatDiagnostic);
}

function parseSchemaFlags(flags: string[]) {
  return flags.map((flag) => parseSchemaFlag(flag, '/'));
}

describe('checkFileSet', () => {
  const cases: Array<{ name: string; files: Record<string, string>; driver?: SidecarDriver; expect: string[] }> = [
    { name: 'a valid native set', files: { 'hotcycle.yaml': 'workers: {command: [node]}\n' }, expect: [] },
    { name: 'YAML syntax', files: { 'hotcycle.yaml': 'workers: {count: 2\n' }, expect: ['hotcycle.yaml:2:1: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }'] },
    { name: 'schema violation', files: { 'hotcycle.yaml': 'workers:\n  count: two\n  command: [node]\n' }, expect: ['hotcycle.yaml:2:10: workers.count: expected an integer between 1 and 1024, got "two"'] },
    { name: 'native needs hotcycle.yaml', files: { 'a.txt': 'x' }, expect: ['hotcycle.yaml: no config file in the config set: expected one of hotcycle.yaml, hotcycle.yml, hotcycle.json'] },
    { name: 'nginx without hotcycle.yaml checks *.conf', driver: 'nginx', files: { 'nginx.conf': 'events {}\nhttp {\n' }, expect: ['nginx.conf:3:1: unexpected end of file, expecting "}"'] },
    { name: 'nginx brace', files: { 'hotcycle.yaml': CHECKED, 'site.conf': 'events {}\nhttp {\n  server {\n    listen 80;\n  }\n' }, expect: ['site.conf:6:1: unexpected end of file, expecting "}"'] },
    { name: 'nginx quote', files: { 'hotcycle.yaml': CHECKED, 'site.conf': 'events {}\nhttp {\n  server {\n    return 200 "hi;\n  }\n}\n' }, expect: ['site.conf:7:1: unexpected end of file, expecting ";" or "}"'] },
    { name: 'nginx semicolon', files: { 'hotcycle.yaml': CHECKED, 'site.conf': 'events {}\nhttp {\n  server {\n    listen 80\n  }\n}\n' }, expect: ['site.conf:5:3: unexpected "}"'] },
    {
      name: 'user JSON Schema from the set', files: { 'hotcycle.yaml': CHECKED, 'routes/a.json': '{\n  "path": 5\n}\n', 'schemas/routes.json': ROUTES_SCHEMA },
      expect: ['routes/a.json:2:11: path: expected a string, got 5 (quote it to make it a string)'],
    },
    {
      name: 'every checker at once, in order',
      files: {
        'hotcycle.yaml': `${CHECKED}  commands: [{command: [sh, -c, "echo x.conf:1:1: from a command >&2; exit 1"]}]\n`,
        'routes/a.json': '{"path": 5}', 'schemas/routes.json': ROUTES_SCHEMA, 'x.conf': 'events {\n',
      },
      expect: [
        'routes/a.json:1:10: path: expected a string, got 5 (quote it to make it a string)',
        'x.conf:2:1: unexpected end of file, expecting "}"',
        'x.conf:1:1: from a command',
      ],
    },
  ];
  for (const c of cases) {
    test(c.name, async () => assert.deepEqual(await findings(c.files, c.driver ?? 'native'), c.expect));
  }

  test('an unreadable hotcycle.yaml still lets the nginx and schema checks run (nginx driver)', async () => {
    const got = await findings({ 'hotcycle.yaml': 'workers: [\n', 'nginx.conf': 'events {\n' }, 'nginx');
    assert.equal(got.length, 2);
    assert.match(got[0]!, /^hotcycle\.yaml:1:10: YAML syntax error/);
    assert.equal(got[1], 'nginx.conf:2:1: unexpected end of file, expecting "}"');
  });

  test('--schema mappings read the schema from disk', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hotcycle-gate-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'routes.json'), ROUTES_SCHEMA);
    const schemas = [parseSchemaFlag('routes/*.json=routes.json', dir)];
    assert.deepEqual(await findings({ 'hotcycle.yaml': 'workers: {command: [node]}\n', 'routes/a.json': '{"path": true}' }, 'native', schemas),
      ['routes/a.json:1:10: path: expected a string, got true (quote it to make it a string)']);
    const missing = [parseSchemaFlag('routes/*.json=/nonexistent/schema.json')];
    assert.deepEqual(await findings({ 'hotcycle.yaml': 'workers: {command: [node]}\n', 'routes/a.json': '{}' }, 'native', missing),
      ['/nonexistent/schema.json: cannot read the JSON Schema: ENOENT']);
    assert.throws(() => parseSchemaFlag('no-equals'), /GLOB=SCHEMA/);
  });

  test('check commands: located stderr, exit status with stderr, timeout; each in a copy of the set', async () => {
    const yaml = `workers: {command: [node]}
checks:
  commands:
    - {command: [sh, -c, "test -f site.conf && test \\"$HOTCYCLE_CONFIG_DIR\\" = \\"$PWD\\""]}
    - {command: [sh, -c, "echo site.conf:3:7: bad thing >&2; exit 1"]}
    - {command: [sh, -c, "echo oops >&2; exit 2"]}
    - {command: [sleep, "5"], timeoutMs: 200}
    - {command: [/nonexistent/tool]}
    - {command: [sh, -c, "sleep 30 & echo left a child >&2; exit 1"], timeoutMs: 500}
`;
    const started = performance.now();
    assert.deepEqual(await findings({ 'hotcycle.yaml': yaml, 'site.conf': 'x' }), [
      'site.conf:3:7: bad thing',
      'hotcycle.yaml: check command `sh -c echo oops >&2; exit 2` failed (exited with code 2): oops',
      'hotcycle.yaml: check command `sleep 5` did not finish within 200 ms',
      'hotcycle.yaml: check command `/nonexistent/tool` cannot run: spawn /nonexistent/tool ENOENT',
      // Its background child holds stderr open: read until the timeout, then the group is killed.
      'hotcycle.yaml: check command `sh -c sleep 30 & echo left a child >&2; exit 1` failed (exited with code 1): left a child',
    ]);
    assert.ok(performance.now() - started < 4000, 'the timed-out command was stopped');
  });
});

describe('locate (check command stderr)', () => {
  const set = fileSetFrom({ 'nginx.conf': '', 'conf.d/a.conf': '' });
  const cases: Array<[string, string[]]> = [
    ['nginx.conf:12:5: unexpected "}"', ['nginx.conf:12:5: unexpected "}"']],
    ['conf.d/a.conf:3: bad', ['conf.d/a.conf:3:1: bad']],
    ['/tmp/copy/conf.d/a.conf:4:2: absolute', ['conf.d/a.conf:4:2: absolute']],
    ['other.conf:1:1: not in the set', []],
    ['just a message', []],
  ];
  for (const [line, expected] of cases) {
    test(line, () => assert.deepEqual(locate(line, '/tmp/copy', set).map(formatDiagnostic), expected));
  }
});

test('unreadableVersion: a bad file of the set is a finding, a missing directory is not', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hotcycle-gate-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await symlink('/etc/hostname', join(dir, 'escape'));
  const outside = await readConfigSet(dir).then(() => null, (error: unknown) => error);
  assert.deepEqual(unreadableVersion(outside, [dir])?.map((d) => d.file), ['escape']);
  const missing = await readConfigSet(join(dir, 'nope')).then(() => null, (error: unknown) => error);
  assert.equal(unreadableVersion(missing, [join(dir, 'nope')]), null);
});

test('the TLS check reads the ssl_* directives of the entries checks.nginx.files names, .conf or not', async () => {
  const files = {
    'hotcycle.yaml': 'checks:\n  nginx: {files: site.inc, context: http}\n',
    'site.inc': 'server {\n  listen 8443 ssl;\n  ssl_certificate certs/a.crt;\n  ssl_certificate_key certs/a.key;\n}\n',
    'certs/a.crt': 'not a certificate\n',
    'certs/a.key': 'not a key\n',
  };
  const found = await findings(files, 'nginx');
  assert.ok(found.some((line) => line.startsWith('certs/a.crt')), found.join('\n'));
});
