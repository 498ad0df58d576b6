import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SourceArbiter } from '../../../src/sidecar/sync/arbiter.ts';
import { parseListen } from '../../../src/sidecar/report/probe-server.ts';

test('SourceArbiter: a volume version is stale only when the API delivered it and something newer', () => {
  const arbiter = new SourceArbiter();
  assert.equal(arbiter.isStaleVolume('v1'), false, 'nothing from the API: the volume is the source');
  arbiter.noteApi('v1');
  assert.equal(arbiter.isStaleVolume('v1'), false, 'the newest API version');
  arbiter.noteApi('v2');
  assert.equal(arbiter.isStaleVolume('v1'), true);
  assert.equal(arbiter.isStaleVolume('v2'), false);
  assert.equal(arbiter.isStaleVolume('v9'), false, 'never seen through the API (watch down): the fallback wins');
  arbiter.noteApi('v1');
  assert.equal(arbiter.isStaleVolume('v1'), false, 'reverted to v1: newest again');
  assert.equal(arbiter.isStaleVolume('v2'), true);
});

test('parseListen', () => {
  const cases: Array<[string, { host: string | undefined; port: number } | null]> = [
    [':9090', { host: undefined, port: 9090 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9090', { host: '::1', port: 9090 }],
    ['9090', null],
    [':70000', null],
  ];
  for (const [text, expected] of cases) {
    if (expected) assert.deepEqual(parseListen(text), expected, text);
    else assert.throws(() => parseListen(text), /--listen takes/, text);
  }
});
