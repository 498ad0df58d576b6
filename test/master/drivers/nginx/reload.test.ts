import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ReloadSign } from '../../../../src/master/drivers/nginx/errorlog.ts';
import type { NginxChild } from '../../../../src/master/drivers/nginx/procs.ts';
import { judgeCommit, judgeStart } from '../../../../src/master/drivers/nginx/reload.ts';

const w = (pid: number, role: NginxChild['role'] = 'worker'): NginxChild => ({ pid, role, startTicks: pid });
const known = (pids: number[]) => (c: NginxChild) => pids.includes(c.pid);
const bind: ReloadSign = { kind: 'bind-failed', message: 'bind() to 127.0.0.1:81 failed (98: Address already in use)' };

describe('judgeStart', () => {
  test('nothing new and nothing logged: pending', () => {
    assert.deepEqual(judgeStart([w(1), w(2)], known([1, 2]), [{ kind: 'reconfiguring' }]), { kind: 'pending', retryingBind: false });
  });
  test('a new worker: started, with only the new ones', () => {
    assert.deepEqual(judgeStart([w(1), w(2), w(3)], known([1, 2]), []), { kind: 'started', workers: [w(3)] });
  });
  test('helpers and shutting-down workers are not new workers', () => {
    assert.equal(judgeStart([w(1), w(5, 'helper'), w(6, 'shutting-down')], known([1]), []).kind, 'pending');
  });
  test('an [emerg] of the master: failed with its message', () => {
    const verdict = judgeStart([w(1)], known([1]), [{ kind: 'reconfiguring' }, { kind: 'emerg', message: 'unknown directive "x"' }]);
    assert.deepEqual(verdict, { kind: 'failed', message: 'unknown directive "x"', lines: ['unknown directive "x"'] });
  });
  test('bind() failures still retrying: pending; after "still could not bind()": failed with the bind() line', () => {
    assert.deepEqual(judgeStart([w(1)], known([1]), [bind, bind]), { kind: 'pending', retryingBind: true });
    const verdict = judgeStart([w(1)], known([1]), [bind, bind, { kind: 'gave-up', message: 'still could not bind()' }]);
    assert.deepEqual(verdict, { kind: 'failed', message: bind.message, lines: [bind.message, 'still could not bind()'] });
  });
  test('the port freed during the retries: new workers win', () => {
    assert.equal(judgeStart([w(1), w(9)], known([1]), [bind]).kind, 'started');
  });
});

describe('judgeCommit', () => {
  test('an old worker still active: not yet', () => {
    assert.equal(judgeCommit([w(1), w(3)], known([1])), null);
  });
  test('old workers shutting down or gone: the new set', () => {
    assert.deepEqual(judgeCommit([w(1, 'shutting-down'), w(3), w(4)], known([1, 2])), [w(3), w(4)]);
  });
  test('a new child that has not taken its title yet: not yet (it may be a worker)', () => {
    assert.equal(judgeCommit([w(1, 'shutting-down'), w(3), w(4, 'starting')], known([1, 2])), null);
  });
});
