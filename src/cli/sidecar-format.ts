// Human-readable output of the sidecar's answers (`hotcycle reload`, `status`, `check`).
import { formatDiagnostic, type Diagnostic } from '../diagnostic.ts';
import type { SidecarStatus, SyncResult } from '../protocol/sidecar.ts';
import { formatError } from './command.ts';
import { formatReload, formatStatus, short } from './format.ts';

export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n');
}

export function formatSync(result: SyncResult): string {
  const lines = [`sync: config ${short(result.configHash)} ${result.outcome}${result.published ? ' (published)' : ''}`];
  if (result.rejected?.length) lines.push(`rejected by the checks; the live directory is unchanged:\n${formatDiagnostics(result.rejected)}`);
  if (result.outcome === 'held') lines.push("held by the fleet rollout: applied when its turn comes ('hotcycle status': rollout)");
  if (result.reload) lines.push(formatReload(result.reload));
  if (result.error) lines.push(formatError(result.error));
  const fallback = result.lastGood;
  if (fallback) {
    lines.push(`nothing good to serve: published the last good config ${short(fallback.configHash)} (${fallback.outcome})`);
    if (fallback.reload) lines.push(formatReload(fallback.reload));
    if (fallback.error) lines.push(formatError(fallback.error));
  }
  return lines.join('\n');
}

export function formatSidecarStatus(status: SidecarStatus): string {
  const watch = status.watch;
  const lines = [
    `sidecar pid ${status.pid} · driver ${status.driver} · since ${status.startedAt}`,
    `source ${status.sourceDir} (${watch.kind}, watch ${watch.healthy ? 'ok' : 'NOT RUNNING'}, ${watch.events} events, ${watch.missedChanges} missed)`,
    ...(status.sources ?? []).map((s) => `  + ${s.name}/ from ${s.dir}${s.secret ? ' (secret)' : ''}`),
    `live   ${status.liveDir} · published ${short(status.publishedHash)} · master runs ${short(status.appliedHash)}`,
    ...(status.runningSource ? [formatRunningSource(status)] : []),
    `kubernetes: ${status.kube.reporting ? 'reporting on' : 'off'} (${status.kube.detail})${status.kube.configMap ? ` · fast path ${status.kube.configMap}@${status.kube.resourceVersion ?? '?'}` : ''}${status.kube.configMapError ? ` FAILING: ${status.kube.configMapError}` : ''}`,
  ];
  if (status.rollout) lines.push(formatRollout(status.rollout));
  const lastGood = status.lastGood;
  const stored = lastGood.stored ? ` · stored ${short(lastGood.stored.configHash)} (generation ${lastGood.stored.generation}, ${lastGood.stored.storedAt})` : '';
  const tooLarge = lastGood.notStored ? ` · ${short(lastGood.notStored)} too large to store` : '';
  lines.push(`last good: ${lastGood.enabled ? 'kept' : 'off'} (${lastGood.detail})${stored}${tooLarge}`);
  if (lastGood.running) {
    const r = lastGood.running;
    lines.push(`RUNNING LAST GOOD config ${short(r.configHash)} (generation ${r.generation}) since ${r.since}: config ${short(r.instead)} ${r.why}`);
  }
  const pending = status.checkError;
  if (pending) {
    lines.push(`CHECKS COULD NOT RUN on config ${short(pending.configHash)} (${pending.attempts}×, next try in ${pending.retryInMs} ms): ${formatError(pending.error)}`);
  }
  if (status.failedHashes.length) lines.push(`rejected by the master, not retried: ${status.failedHashes.map(short).join(', ')}`);
  if (status.lastResults.length) lines.push('last syncs:');
  for (const r of status.lastResults.slice(0, 5)) {
    lines.push(`  ${r.startedAt} ${r.origin.padEnd(6)} ${short(r.configHash)} ${r.outcome} — ${r.reason}`);
    if (r.why) lines.push(`      ${r.why}`);
  }
  lines.push('');
  lines.push(status.master ? formatStatus(status.master) : `master: unreachable — ${status.masterError ? formatError(status.masterError) : 'unknown'}`);
  return lines.join('\n');
}

/** `rollout: canary · baking config 1a2b3c4d5e6f (Lease ns/name)`, with the versions marked bad. */
export function formatRollout(r: NonNullable<SidecarStatus['rollout']>): string {
  const bad = r.bad.length ? ` · bad: ${r.bad.map((b) => `${short(b.hash)} (${b.reason})`).join(', ')}` : '';
  const failing = r.error ? ` · FAILING: ${r.error}` : '';
  return `rollout: ${r.role} · ${r.phase}${r.version ? ` config ${short(r.version)}` : ''}${r.paused ? ' · PAUSED' : ''} (Lease ${r.lease})${bad}${failing}`;
}

/** `running config from: api (volume 41 s behind)`: the origin that brought what the master runs (sync/arrivals.ts). */
export function formatRunningSource(status: Pick<SidecarStatus, 'runningSource' | 'volumeLagMs' | 'volumeCaughtUp'>): string {
  if (status.runningSource !== 'api') return `running config from: ${status.runningSource ?? '?'}`;
  const seconds = Math.round((status.volumeLagMs ?? 0) / 1000);
  return `running config from: api (${status.volumeCaughtUp ? `the volume caught up ${seconds} s later` : `volume ${seconds} s behind`})`;
}
