// Issue 12, acceptance 4 (native driver): a Secret source with kubelet's defaultMode 0400 keeps
// that mode in the live directory and in the master's per-generation snapshot (other files there
// are 0640: nothing is world-readable), and a check command that prints a Secret file before
// failing has that content replaced in its finding.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { WITHHELD } from '../../src/checks/redact.ts';
import { fileSetFrom, hashFileSet } from '../../src/configset/fileset.ts';
import { demoConfig } from '../helpers/master.ts';
import { Pod } from '../helpers/pod.ts';
import { freePort } from '../helpers/ports.ts';

const TOKEN = `token=${randomBytes(12).toString('hex')}`;
let pod: Pod;
let root: Record<string, string>;

before(async () => {
  const port = await freePort();
  const config = { ...demoConfig(port, { count: 1 }), checks: { commands: [{ command: ['sh', '-c', 'cat creds/token >&2; test ! -e creds/fail'] }] } };
  root = { 'hotcycle.yaml': stringify(config), 'message.txt': 'one' };
  pod = await Pod.start({
    files: root,
    sources: { creds: { secret: true, defaultMode: 0o400, files: { token: `${TOKEN}\n` } } },
  });
});
after(() => pod?.cleanup());

const mode = async (path: string) => (await stat(path)).mode & 0o777;

test("a Secret's 0400 is kept in the live directory and the generation snapshot; the rest is never world-readable", async () => {
  const { generation } = await pod.masterStatus();
  const snapshot = join(pod.dir, 'app', 'state', 'generations', String(generation));
  assert.equal(await mode(join(pod.liveDir, 'creds/token')), 0o400);
  assert.equal(await mode(join(snapshot, 'creds/token')), 0o400);
  assert.equal(await mode(join(snapshot, 'hotcycle.yaml')), 0o640);
  assert.equal(await mode(join(pod.liveDir, 'hotcycle.yaml')), 0o644, 'ConfigMap files as kubelet writes them');
});

test("a check command's output quoting a Secret file is scrubbed from the finding", async () => {
  const creds = { token: `${TOKEN}\n`, fail: 'x' };
  const hash = hashFileSet(fileSetFrom({ ...root, 'creds/token': creds.token, 'creds/fail': creds.fail }));
  const rejected = pod.sidecar.nextLog((l) => l.event === 'config.rejected' && l.configHash === hash);
  await pod.volumes.creds?.update(creds);
  const line = await rejected;
  assert.ok(String(line.diagnostics).includes(WITHHELD), String(line.diagnostics));
  assert.ok(!pod.sidecar.output.join('\n').includes(TOKEN), 'the token is in no output line');
  assert.ok(!JSON.stringify(await pod.sidecarStatus()).includes(TOKEN), 'nor in the status');
});
