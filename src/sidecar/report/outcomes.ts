// Every outcome of the sync loop, told everywhere it must be (DESIGN.md §2 step 5, §6, §7):
// one log line, the metrics, and — in a cluster — an Event on the Pod (and, after a reload,
// the Pod's annotations). Reporting never blocks the loop: the reporter only enqueues.
import { formatDiagnostic, type Diagnostic } from '../../diagnostic.ts';
import type { ErrorInfo } from '../../errors.ts';
import type { CheckError } from '../../protocol/sidecar.ts';
import type { Logger } from '../../log.ts';
import type { ReloadResult } from '../../protocol/types.ts';
import { shortHash } from '../../configset/fileset.ts';
import type { KubeReporter } from '../kube/reporter.ts';
import type { CertificateExpiringReport } from '../kube/types.ts';
import { SECRET_LIMIT_BYTES, type LastGood, type LastGoodEvents } from '../sync/last-good.ts';
import type { ConditionInputs } from './condition-tracker.ts';
import type { SidecarMetrics } from './metrics.ts';
import type { Rollback } from '../sync/decision.ts';
import type { SyncEvents } from '../sync/syncer.ts';
import { errorWhy, failureLine, findingsWhy } from './why.ts';

export class OutcomeRecorder implements SyncEvents, LastGoodEvents {
  readonly #logger: Logger;
  readonly #metrics: SidecarMetrics;
  #reporter: KubeReporter | null = null;
  #condition: ConditionInputs | null = null;
  /** Also told about missed changes: the watcher counts them for its health. */
  onMissed: (() => void) | undefined;
  /** Also told the master's answer to each version (failure: its message; null: it runs it): the rollout's judge. */
  onReload: ((hash: string, failure: string | null) => void) | undefined;

  constructor(logger: Logger, metrics: SidecarMetrics) {
    this.#logger = logger;
    this.#metrics = metrics;
  }

  /** Set once the Kubernetes client has loaded (in a cluster only). */
  attach(reporter: KubeReporter): void {
    this.#reporter = reporter;
  }

  /** Also tell the Pod condition hotcycle.dev/config-applied (in a cluster only). */
  attachCondition(condition: ConditionInputs): void {
    this.#condition = condition;
  }

  rejected(hash: string, diagnostics: Diagnostic[]): void {
    this.#metrics.rejectedBy(diagnostics.map((d) => d.source));
    const first = diagnostics.slice(0, 5).map(formatDiagnostic);
    this.#logger.error(`config ${shortHash(hash) || '(unreadable)'} rejected: ${first.join('; ')}${diagnostics.length > 5 ? ` (+${diagnostics.length - 5} more)` : ''}`, {
      event: 'config.rejected', configHash: hash, phase: 'check', findings: diagnostics.length, diagnostics: diagnostics.map(formatDiagnostic),
    });
    this.#reporter?.configRejected({ configHash: hash, diagnostics });
    this.#reporter?.lastFailure(failureLine('rejected', hash, findingsWhy(diagnostics)));
    this.#condition?.rejected(hash, findingsWhy(diagnostics));
  }

  checkFailed({ configHash, error, attempts, retryInMs }: CheckError): void {
    this.#metrics.checkErrors.inc();
    this.#logger.error(`checks of config ${shortHash(configHash)} could not run: ${error.message}; retrying in ${retryInMs} ms`, {
      event: 'config.check-failed', configHash, phase: 'check', code: error.code, detail: error.detail, attempts, retryInMs,
    });
    this.#reporter?.checkFailed({ configHash, code: error.code, message: error.message, retryInMs });
    this.#reporter?.lastFailure(failureLine('check-failed', configHash, errorWhy(error)));
    this.#condition?.changed();
  }

  published(hash: string, changed: boolean): void {
    if (changed) this.#metrics.published.inc();
    this.#logger.info(changed ? `published config ${shortHash(hash)}` : `config ${shortHash(hash)} already live`, {
      event: 'config.published', configHash: hash, changed, phase: 'publish',
    });
  }

  applied(hash: string): void {
    this.onReload?.(hash, null);
    this.#condition?.changed();
    this.#logger.info(`master already runs config ${shortHash(hash)}: no reload needed`, { event: 'reload.skipped', configHash: hash });
  }

  reloaded(result: ReloadResult): void {
    this.#observe(result, 'ok');
    this.#metrics.generation.set(result.generation);
    this.#metrics.lastSuccess.set(Date.now() / 1000);
    this.#logger.info(`master reloaded: generation ${result.generation}, config ${shortHash(result.configHash)}`, {
      event: 'reload.ok', generation: result.generation, configHash: result.configHash, durationMs: result.durationMs,
    });
    this.#reporter?.reloaded({ generation: result.generation, configHash: result.configHash, durationMs: result.durationMs });
    this.onReload?.(result.configHash, null);
    this.#condition?.changed();
  }

  reloadFailed(result: ReloadResult, after: Rollback): void {
    this.#observe(result, 'failed');
    this.#metrics.generation.set(result.generation);
    const error = result.error ?? { phase: 'check', code: 'EUNKNOWN', message: 'no error recorded' };
    const config = shortHash(result.configHash);
    const message = after.kind === 'retry'
      ? `reload of config ${config} ${after.why === 'unconfirmed' ? 'not confirmed' : 'not tried'} in ${error.phase}: ${error.message}; the next sync tries it again`
      : `master rejected config ${config} in ${error.phase}: ${error.message}; ${after.kind === 'restored' ? `live directory restored to ${shortHash(after.hash)}` : 'live directory left as is'}`;
    this.#logger.error(message, {
      event: 'reload.failed', generation: result.generation, configHash: result.configHash, durationMs: result.durationMs,
      phase: error.phase, code: error.code, detail: error.detail, restored: after.kind === 'restored' ? after.hash : null, retry: after.kind === 'retry',
    });
    this.#reporter?.reloadFailed({ phase: error.phase, message: error.detail ? `${error.message}: ${error.detail}` : error.message, configHash: result.configHash });
    this.#reporter?.lastFailure(failureLine('reload-failed', result.configHash, errorWhy(error)));
    this.#condition?.reloadFailed(result.configHash, errorWhy(error));
    // A failure that says nothing against the version (retry) is no verdict on it.
    if (after.kind !== 'retry') this.onReload?.(result.configHash, `reload failed in ${error.phase}: ${error.message}`);
  }

  missed(hash: string): void {
    this.#metrics.missed.inc();
    this.onMissed?.();
    this.#logger.warn(`re-hash found config ${shortHash(hash)} that no watch event announced`, { event: 'watch.missed', configHash: hash });
  }

  unreachable(hash: string, error: ErrorInfo): void {
    this.#logger.warn(`config ${shortHash(hash)} is live but the master was not reached: ${error.message}`, {
      event: 'reload.deferred', configHash: hash, code: error.code,
    });
  }

  failed(hash: string, error: ErrorInfo): void {
    this.#metrics.syncErrors.inc({ phase: error.phase });
    const version = hash ? `config ${shortHash(hash)}` : 'the source';
    this.#logger.error(`sync of ${version} failed in ${error.phase}: ${error.message}`, {
      event: 'sync.failed', configHash: hash, phase: error.phase, code: error.code, detail: error.detail,
    });
  }

  /** Once per certificate (file and expiry): tls-expiry.ts logs and counts the rest. */
  certificateExpiring(report: CertificateExpiringReport): void {
    this.#reporter?.certificateExpiring(report);
  }

  runningLastGood(lastGood: LastGood): void {
    const stored = lastGood.running;
    if (!stored) return;
    this.#metrics.lastGoodRunning.set(1);
    const { instead, why } = stored;
    this.#logger.warn(`config ${shortHash(instead) || '(unreadable)'} ${why}: serving the last good config ${shortHash(stored.configHash)} (generation ${stored.generation}, stored ${stored.storedAt}) until the source is fixed`, {
      event: 'last-good.running', configHash: stored.configHash, generation: stored.generation, storedAt: stored.storedAt, instead, why,
    });
    this.#reporter?.runningLastGood({ configHash: stored.configHash, generation: stored.generation, storedAt: stored.storedAt, instead, why });
  }

  lastGoodRejected(hash: string, diagnostics: Diagnostic[]): void {
    this.#logger.error(`the stored last good config ${shortHash(hash)} fails the checks too: ${diagnostics.slice(0, 5).map(formatDiagnostic).join('; ')}`, {
      event: 'last-good.rejected', configHash: hash, findings: diagnostics.length, diagnostics: diagnostics.map(formatDiagnostic),
    });
  }

  leftLastGood(hash: string): void {
    this.#metrics.lastGoodRunning.set(0);
    this.#logger.info(`the master runs config ${shortHash(hash)}: no longer serving the last good config`, { event: 'last-good.left', configHash: hash });
    this.#reporter?.leftLastGood();
  }

  notStored(hash: string, bytes: number): void {
    this.#metrics.lastGoodNotStored.inc();
    this.#logger.warn(`config ${shortHash(hash)} is not kept as the last good config: ${bytes} bytes compressed, over the Secret limit of ${SECRET_LIMIT_BYTES}`, {
      event: 'last-good.not-stored', configHash: hash, bytes, limit: SECRET_LIMIT_BYTES,
    });
    this.#reporter?.lastGoodNotStored({ configHash: hash, bytes, limit: SECRET_LIMIT_BYTES });
  }

  unavailable(error: ErrorInfo): void {
    this.#logger.warn(`no last good config to fall back on: ${error.message}`, { event: 'last-good.unavailable', code: error.code, detail: error.detail });
  }

  #observe(result: ReloadResult, outcome: 'ok' | 'failed'): void {
    this.#metrics.reloads.inc({ result: outcome });
    this.#metrics.reloadDuration.observe(result.durationMs / 1000);
  }
}
