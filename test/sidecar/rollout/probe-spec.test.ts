import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProbeSpec, parseReadinessSpec } from '../../../src/sidecar/rollout/probe-spec.ts';

test('parseProbeSpec: the pod\'s own server, the limits as query parameters', () => {
  assert.deepEqual(parseProbeSpec('http://:8080/healthz'), { scheme: 'http', port: 8080, path: '/healthz', minSuccessRatio: 0.95, max5xxRatio: 0.05, intervalMs: 500 });
  assert.deepEqual(parseProbeSpec('https://127.0.0.1:8443?minSuccess=0.5&max5xx=0&intervalMs=250'),
    { scheme: 'https', port: 8443, path: '/', minSuccessRatio: 0.5, max5xxRatio: 0, intervalMs: 250 });
  for (const bad of ['http://example.com:80/', 'ftp://:21/', 'http://:0/', 'http://:8080/?minSuccess=2', 'http://:8080/?interval=5', 'http://:8080/?intervalMs=10', ':8080']) {
    assert.throws(() => parseProbeSpec(bad), /--rollout-probe/, bad);
  }
});

test('parseReadinessSpec: a tcpSocket or httpGet check on the pod\'s loopback, the kubelet\'s failureThreshold', () => {
  assert.deepEqual(parseReadinessSpec('tcp://:8080'), { scheme: 'tcp', port: 8080, path: '/', failureThreshold: 3, intervalMs: 1000 });
  assert.deepEqual(parseReadinessSpec('https://localhost:8443/ready?failureThreshold=1&intervalMs=200'),
    { scheme: 'https', port: 8443, path: '/ready', failureThreshold: 1, intervalMs: 200 });
  for (const bad of ['tcp://:8080/path', 'udp://:53', 'tcp://10.0.0.1:80', 'tcp://:8080?failureThreshold=0', 'http://:80/?minSuccess=1', 'tcp://:70000']) {
    assert.throws(() => parseReadinessSpec(bad), /--rollout-readiness/, bad);
  }
});
