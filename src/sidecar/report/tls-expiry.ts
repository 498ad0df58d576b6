// Certificate expiry, as seen in the last version that passed every check (DESIGN.md §9): one
// gauge per certificate file, replaced whole with each version (a removed file leaves no stale
// series), one Warning log line per certificate that expires within the warning window, and —
// once per certificate (file and expiry), not per version — a report (in a cluster, a Warning
// Event CertificateExpiring on the Pod).
import type { CertificateInfo } from '../../checks/tls/index.ts';
import type { Logger } from '../../log.ts';
import type { CertificateExpiringReport } from '../kube/types.ts';
import type { SidecarMetrics } from './metrics.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export class TlsExpiry {
  readonly #metrics: SidecarMetrics;
  readonly #logger: Logger;
  readonly #warningMs: number;
  readonly #report: (report: CertificateExpiringReport) => void;
  readonly #reported = new Set<string>();

  constructor(metrics: SidecarMetrics, logger: Logger, warningDays: number, report: (report: CertificateExpiringReport) => void) {
    this.#metrics = metrics;
    this.#logger = logger;
    this.#warningMs = warningDays * DAY_MS;
    this.#report = report;
  }

  observe(certificates: readonly CertificateInfo[], now = Date.now()): void {
    this.#metrics.tlsExpiry.reset();
    for (const { file, notAfter } of certificates) {
      this.#metrics.tlsExpiry.set({ file }, notAfter.getTime() / 1000);
      const left = notAfter.getTime() - now;
      if (left >= this.#warningMs) continue;
      const days = Math.floor(left / DAY_MS);
      this.#logger.warn(`certificate ${file} expires on ${notAfter.toISOString()} (in ${days} day${days === 1 ? '' : 's'})`, {
        event: 'tls.expiring', file, notAfter: notAfter.toISOString(), days,
      });
      const key = `${file}\0${notAfter.toISOString()}`;
      if (this.#reported.has(key)) continue;
      this.#reported.add(key);
      this.#report({ file, notAfter: notAfter.toISOString(), days });
    }
  }
}
