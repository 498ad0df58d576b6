// Pure logic, no API server involved.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRetry, describeFailure, parseRetryAfter, type CallFailure, type RetryDecision } from '../../../src/sidecar/kube/retry.ts';

const policy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 250, maxRetryAfterMs: 5000 };

describe('decideRetry', () => {
  const cases: Array<[string, CallFailure, number, RetryDecision]> = [
    ['500 backs off', { status: 500, message: '' }, 1, { retry: true, delayMs: 100 }],
    ['503 backs off exponentially, capped', { status: 503, message: '' }, 2, { retry: true, delayMs: 200 }],
    ['no answer at all is retried', { message: 'fetch failed' }, 1, { retry: true, delayMs: 100 }],
    ['429 waits the Retry-After', { status: 429, retryAfter: '2', message: '' }, 1, { retry: true, delayMs: 2000 }],
    ['a too-long Retry-After gives up', { status: 429, retryAfter: '60', message: '' }, 1, { retry: false, why: 'Retry-After 60 s is too long to wait' }],
    ['attempts run out', { status: 500, message: '' }, 3, { retry: false, why: 'gave up after 3 attempts' }],
    ['404 is final', { status: 404, message: '' }, 1, { retry: false, why: 'HTTP 404 is not retryable' }],
    ['409 is final', { status: 409, message: '' }, 1, { retry: false, why: 'HTTP 409 is not retryable' }],
    ['422 is final', { status: 422, message: '' }, 1, { retry: false, why: 'HTTP 422 is not retryable' }],
  ];
  for (const [name, failure, attempt, expected] of cases) {
    test(name, () => assert.deepEqual(decideRetry(failure, attempt, policy), expected));
  }
});

describe('failure parsing', () => {
  test('Retry-After is delta-seconds only', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });

  test('an ApiException-shaped error yields status, Retry-After and the Status message', () => {
    const error = { code: 429, headers: { 'retry-after': '1' }, body: JSON.stringify({ kind: 'Status', message: 'slow down' }) };
    assert.deepEqual(describeFailure(error), { status: 429, retryAfter: '1', message: 'slow down' });
  });

  test('a network error keeps its cause', () => {
    const error = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
    assert.deepEqual(describeFailure(error), { message: 'fetch failed: connect ECONNREFUSED 127.0.0.1:1' });
  });
});
