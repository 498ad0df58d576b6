// Pure logic, no API server involved.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRetry, describeFailure, landedEarlier, parseRetryAfter, type CallFailure, type RetryDecision, type RetryPolicy } from '../../../src/sidecar/kube/retry.ts';

const events = { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000, giveUpAfterMs: 60_000 };
const annotations = { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };

describe('decideRetry', () => {
  // [name, failure, attempt that failed, age of the report in ms, policy, decision]
  const cases: Array<[string, CallFailure, number, number, RetryPolicy, RetryDecision]> = [
    ['500 backs off', { status: 500, message: '' }, 1, 0, events, { retry: true, delayMs: 100 }],
    ['503 backs off exponentially', { status: 503, message: '' }, 3, 700, events, { retry: true, delayMs: 400 }],
    ['the backoff is capped', { status: 503, message: '' }, 8, 5000, events, { retry: true, delayMs: 1000 }],
    ['no answer at all (the API server down) is retried', { message: 'fetch failed' }, 1, 0, events, { retry: true, delayMs: 100 }],
    ['tries never run out by count', { message: 'fetch failed' }, 500, 50_000, events, { retry: true, delayMs: 1000 }],
    ['a huge attempt number does not overflow the backoff', { message: 'fetch failed' }, 5000, 0, annotations, { retry: true, delayMs: 1000 }],
    ['429 waits the Retry-After', { status: 429, retryAfter: '2', message: '' }, 1, 0, events, { retry: true, delayMs: 2000 }],
    ['a Retry-After over the limit waits the limit', { status: 429, retryAfter: '60', message: '' }, 1, 0, events, { retry: true, delayMs: 5000 }],
    ['an Event too old to be worth delivering is given up', { message: 'fetch failed' }, 40, 59_500, events,
      { retry: false, why: 'still failing after 40 attempts over 60 s (the limit is 60 s)' }],
    ['annotations are desired state: no age limit', { message: 'fetch failed' }, 40, 3_600_000, annotations, { retry: true, delayMs: 1000 }],
    ['403 is final', { status: 403, message: '' }, 1, 0, annotations, { retry: false, why: 'HTTP 403 is not retryable' }],
    ['404 is final', { status: 404, message: '' }, 1, 0, annotations, { retry: false, why: 'HTTP 404 is not retryable' }],
    ['409 is final', { status: 409, message: '' }, 1, 0, events, { retry: false, why: 'HTTP 409 is not retryable' }],
    ['422 is final', { status: 422, message: '' }, 1, 0, events, { retry: false, why: 'HTTP 422 is not retryable' }],
  ];
  for (const [name, failure, attempt, ageMs, policy, expected] of cases) {
    test(name, () => assert.deepEqual(decideRetry(failure, attempt, ageMs, policy), expected));
  }
});

describe('landedEarlier', () => {
  const cases: Array<[string, CallFailure, number, boolean]> = [
    ['409 AlreadyExists on a retry: an earlier try landed', { status: 409, reason: 'AlreadyExists', message: '' }, 2, true],
    ['409 AlreadyExists on the first try: the name is someone else\'s', { status: 409, reason: 'AlreadyExists', message: '' }, 1, false],
    ['409 Conflict is no proof', { status: 409, reason: 'Conflict', message: '' }, 2, false],
    ['500 on a retry is no proof', { status: 500, message: '' }, 2, false],
  ];
  for (const [name, failure, attempt, expected] of cases) {
    test(name, () => assert.equal(landedEarlier(failure, attempt), expected));
  }
});

describe('failure parsing', () => {
  test('Retry-After is delta-seconds only', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });

  test('an ApiException-shaped error yields status, Retry-After and the Status message', () => {
    const error = { code: 429, headers: { 'retry-after': '1' }, body: JSON.stringify({ kind: 'Status', message: 'slow down', reason: 'TooManyRequests' }) };
    assert.deepEqual(describeFailure(error), { status: 429, reason: 'TooManyRequests', retryAfter: '1', message: 'slow down' });
  });

  test('our own deadline is no answer, not HTTP 23 (a DOMException has a numeric code too)', () => {
    assert.deepEqual(describeFailure(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      { message: 'The operation was aborted due to timeout' });
  });

  test('a network error keeps its cause', () => {
    const error = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
    assert.deepEqual(describeFailure(error), { message: 'fetch failed: connect ECONNREFUSED 127.0.0.1:1' });
  });
});
