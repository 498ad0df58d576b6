import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loggerLevel, parseLogLine, reloadSign } from '../../../../src/master/drivers/nginx/errorlog.ts';

describe('parseLogLine', () => {
  test('error log lines, with and without a connection number', () => {
    assert.deepEqual(parseLogLine('2026/11/21 13:55:18 [notice] 19313#19313: start worker process 21257'),
      { level: 'notice', pid: 19313, message: 'start worker process 21257' });
    assert.deepEqual(parseLogLine('2026/11/21 13:55:18 [error] 7#7: *12 open() "/x" failed (2: No such file or directory)'),
      { level: 'error', pid: 7, message: 'open() "/x" failed (2: No such file or directory)' });
  });
  test('early stderr lines have no pid; other text is not a log line', () => {
    assert.deepEqual(parseLogLine('nginx: [emerg] unknown directive "x" in /a.conf:2'), { level: 'emerg', message: 'unknown directive "x" in /a.conf:2' });
    assert.equal(parseLogLine('hello'), null);
    assert.equal(parseLogLine('nginx: configuration file /a.conf test failed'), null);
  });
  test('levels map onto the logger', () => {
    assert.deepEqual(['emerg', 'crit', 'warn', 'notice', 'debug'].map((l) => loggerLevel(l as 'emerg')), ['error', 'error', 'warn', 'info', 'debug']);
  });
});

describe('reloadSign', () => {
  const rows: [string, unknown][] = [
    ['2026/01/01 00:00:00 [notice] 10#10: reconfiguring', { kind: 'reconfiguring' }],
    ['2026/01/01 00:00:00 [notice] 10#10: start worker process 42', { kind: 'worker-started', pid: 42 }],
    ['2026/01/01 00:00:00 [emerg] 10#10: bind() to 127.0.0.1:80 failed (98: Address already in use)', { kind: 'bind-failed', message: 'bind() to 127.0.0.1:80 failed (98: Address already in use)' }],
    ['2026/01/01 00:00:00 [emerg] 10#10: still could not bind()', { kind: 'gave-up', message: 'still could not bind()' }],
    ['2026/01/01 00:00:00 [emerg] 10#10: unknown directive "x" in /a.conf:1', { kind: 'emerg', message: 'unknown directive "x" in /a.conf:1' }],
    ['2026/01/01 00:00:00 [notice] 10#10: try again to bind() after 500ms', null],
    ['2026/01/01 00:00:00 [emerg] 11#11: unknown directive "x" in /a.conf:1', null],
    ['nginx: [emerg] unknown directive "x" in /a.conf:1', null],
  ];
  for (const [raw, sign] of rows) {
    test(raw, () => {
      const line = parseLogLine(raw);
      assert.ok(line);
      assert.deepEqual(reloadSign(line, 10), sign);
    });
  }
});
