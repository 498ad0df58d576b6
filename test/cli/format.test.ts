// What `hotcycle reload` and `hotcycle status` print for the outcomes an operator must not
// misread: a rejected config, a reload nginx never confirmed, a master with no config yet, and
// why a version the sidecar read does not run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReload, formatStatus } from '../../src/cli/format.ts';
import { formatRollout, formatRunningSource, formatSidecarStatus, formatSync } from '../../src/cli/sidecar-format.ts';
import type { ErrorCode } from '../../src/errors.ts';
import type { SidecarStatus, SyncResult } from '../../src/protocol/sidecar.ts';
import { UNCONFIRMED, type MasterStatus, type ReloadResult } from '../../src/protocol/types.ts';

const HASH = 'ab'.repeat(32);
const failed = (code: ErrorCode, message: string): ReloadResult => ({
  ok: false, generation: 3, configHash: HASH, durationMs: 3012, phases: [{ name: 'check', ms: 12, ok: true }, { name: 'ready', ms: 3000, ok: false }],
  error: { phase: 'ready', code, message }, reason: 'test', startedAt: '2026-11-21T16:00:00.000Z', requests: 1,
});
const status = (generation: number, configHash: string): MasterStatus => ({
  driver: 'nginx', pid: 10, state: 'running', startedAt: '2026-11-21T16:00:00.000Z', generation, configHash, configDir: '/etc/hotcycle/live',
  listeners: [], generations: [], pendingReload: false, lastResults: [],
});

test('a rejected config: the old generation keeps serving', () => {
  const text = formatReload(failed('ENGINXRELOAD', 'nginx kept the old configuration: bind() failed'));
  assert.match(text, /^reload FAILED: failed in phase ready: nginx kept the old configuration: bind\(\) failed \[ENGINXRELOAD\]$/m);
  assert.match(text, /generation 3 keeps serving \(config abababababab was rejected\)/);
});

test('an unconfirmed reload is not called rejected: the server may still switch', () => {
  const text = formatReload(failed(UNCONFIRMED, 'nginx showed neither new workers nor an error'));
  assert.doesNotMatch(text, /rejected/);
  assert.match(text, /may still switch to config abababababab: unknown until a reload succeeds/);
});

test('status: a hash, an unknown config once serving, none before the first generation', () => {
  assert.match(formatStatus(status(2, HASH)), /^generation 2 · config abababababab · /m);
  assert.match(formatStatus(status(2, '')), /^generation 2 · config unknown until the next reload succeeds · /m);
  assert.match(formatStatus(status(0, '')), /^generation 0 · config \(none\) · /m);
});

test('status: the origin that brought the running config, and how far the volume lags', () => {
  assert.equal(formatRunningSource({ runningSource: 'api', volumeLagMs: 41_400, volumeCaughtUp: false }), 'running config from: api (volume 41 s behind)');
  assert.equal(formatRunningSource({ runningSource: 'api', volumeLagMs: 62_600, volumeCaughtUp: true }), 'running config from: api (the volume caught up 63 s later)');
  assert.equal(formatRunningSource({ runningSource: 'volume' }), 'running config from: volume');
});

test('sidecar status: under each version not run, why (its first finding, or the phase and error); nothing under the others', () => {
  const sync = (outcome: SyncResult['outcome'], why?: string): SyncResult => ({
    published: false, configHash: HASH, outcome, reason: 'source changed', origin: 'volume', startedAt: '2026-11-21T16:00:00.000Z', durationMs: 2, ...(why ? { why } : {}),
  });
  const sidecar: SidecarStatus = {
    pid: 11, startedAt: '2026-11-21T16:00:00.000Z', driver: 'native', sourceDir: '/src', liveDir: '/live', masterSocket: '/m.sock',
    publishedHash: HASH, appliedHash: HASH, sourceHash: HASH, failedHashes: [], watch: { healthy: true, kind: 'kubelet', events: 1, missedChanges: 0 },
    kube: { reporting: false, detail: 'not in a cluster' }, lastGood: { enabled: false, detail: 'off' },
    lastResults: [sync('rejected', 'hotcycle.yaml:11:1: duplicate key "workers" (+1 more)'), sync('reloaded')],
    master: status(2, HASH),
  };
  const lines = formatSidecarStatus(sidecar).split('\n');
  const at = lines.indexOf('last syncs:');
  assert.deepEqual(lines.slice(at + 1, at + 4), [
    '  2026-11-21T16:00:00.000Z volume abababababab rejected — source changed',
    '      hotcycle.yaml:11:1: duplicate key "workers" (+1 more)',
    '  2026-11-21T16:00:00.000Z volume abababababab reloaded — source changed',
  ]);
});

test('status and reload under a fleet rollout: the role and phase in one line, a held version said so', () => {
  const rollout = { lease: 'web/web-hotcycle-rollout', role: 'canary', phase: 'baking', version: HASH, paused: false, bad: [] };
  assert.equal(formatRollout(rollout), 'rollout: canary · baking config abababababab (Lease web/web-hotcycle-rollout)');
  assert.equal(formatRollout({ ...rollout, role: 'applied', phase: 'aborted', paused: true, bad: [{ hash: 'cd'.repeat(32), reason: 'probe: 5xx ratio 1.00 > 0.05' }], error: 'cannot read Lease' }),
    'rollout: applied · aborted config abababababab · PAUSED (Lease web/web-hotcycle-rollout) · bad: cdcdcdcdcdcd (probe: 5xx ratio 1.00 > 0.05) · FAILING: cannot read Lease');
  const held = formatSync({ outcome: 'held', published: false, configHash: HASH, reason: 'test', origin: 'api', startedAt: '', durationMs: 1 });
  assert.equal(held, "sync: config abababababab held\nheld by the fleet rollout: applied when its turn comes ('hotcycle status': rollout)");
});
