// The expiry of checked certificates: the gauge per file, replaced whole per version; a report
// (the Kubernetes Event) once per certificate — file and expiry — not once per version.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../src/log.ts';
import { SidecarMetrics } from '../../../src/sidecar/report/metrics.ts';
import { TlsExpiry } from '../../../src/sidecar/report/tls-expiry.ts';
import type { CertificateExpiringReport } from '../../../src/sidecar/kube/types.ts';

const DAY = 24 * 60 * 60 * 1000;
const now = Date.parse('2026-11-26T00:00:00Z');

test('a certificate within the warning window is reported once; a renewed one again; one far off never', async () => {
  const metrics = new SidecarMetrics();
  const reports: CertificateExpiringReport[] = [];
  const expiry = new TlsExpiry(metrics, silentLogger(), 14, (r) => reports.push(r));
  const soon = { file: 'tls/tls.crt', notAfter: new Date(now + 3 * DAY) };
  const far = { file: 'other/tls.crt', notAfter: new Date(now + 90 * DAY) };
  expiry.observe([soon, far], now);
  expiry.observe([soon, far], now + DAY); // the next version, the same certificates
  assert.deepEqual(reports, [{ file: 'tls/tls.crt', notAfter: soon.notAfter.toISOString(), days: 3 }]);
  const renewed = { file: 'tls/tls.crt', notAfter: new Date(now + 10 * DAY) };
  expiry.observe([renewed], now);
  assert.deepEqual(reports.map((r) => r.notAfter), [soon.notAfter.toISOString(), renewed.notAfter.toISOString()]);
  const series = (await metrics.tlsExpiry.get()).values.map((v) => [v.labels.file, v.value]);
  assert.deepEqual(series, [['tls/tls.crt', renewed.notAfter.getTime() / 1000]], 'the removed file left no series');
});
