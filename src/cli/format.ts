// Human-readable output of the operator commands. Scripts use --json instead.
import { shortHash } from '../configset/fileset.ts';
import { formatError } from './command.ts';
import { UNCONFIRMED, type MasterStatus, type ReloadResult } from '../protocol/types.ts';

export function short(hash: string): string {
  return hash ? shortHash(hash) : '(none)';
}

export function formatPhases(result: { phases: ReloadResult['phases'] }): string {
  return result.phases.map((p) => `${p.name} ${p.ms} ms${p.ok ? '' : ' ✗'}`).join(' · ');
}

export function formatReload(result: ReloadResult): string {
  const head = result.ok
    ? `reload ok: generation ${result.generation} serving config ${short(result.configHash)} (${result.durationMs} ms)`
    : `reload FAILED: ${formatError(result.error ?? { phase: 'check', code: 'EUNKNOWN', message: 'no error recorded' })}`;
  const lines = [head];
  if (result.phases.length) lines.push(`  phases: ${formatPhases(result)}`);
  if (result.requests > 1) lines.push(`  answered ${result.requests} coalesced requests`);
  if (!result.ok && result.error?.code === UNCONFIRMED) {
    lines.push(`  generation ${result.generation} was serving; the server may still switch to config ${short(result.configHash)}: unknown until a reload succeeds`);
  } else if (!result.ok) {
    lines.push(`  generation ${result.generation} keeps serving (config ${short(result.configHash)} was rejected)`);
  }
  return lines.join('\n');
}

/** '' once serving means the nginx driver sent SIGHUP and nginx never confirmed (nginx.reload.unknown). */
function describeRunning(status: MasterStatus): string {
  if (status.configHash) return shortHash(status.configHash);
  return status.generation > 0 ? 'unknown until the next reload succeeds' : '(none)';
}

export function formatStatus(status: MasterStatus): string {
  const lines = [
    `master pid ${status.pid} · driver ${status.driver} · ${status.state} since ${status.startedAt}`,
    `generation ${status.generation} · config ${describeRunning(status)} · ${status.configDir}`,
    `listeners: ${status.listeners.map((l) => `${l.name}=${l.key}`).join(', ') || '(none)'}`,
    'generations:',
  ];
  for (const g of status.generations) {
    const crash = g.crashLoop ? ' CRASH-LOOP' : g.restarts ? ` ${g.restarts} restarts` : '';
    const workers = g.workers.map((w) => `${w.pid} ${w.state}`).join(', ');
    lines.push(`  ${String(g.generation).padStart(4)} ${g.state.padEnd(9)} since ${g.since}${crash}  workers: ${workers}`);
  }
  if (status.pendingReload) lines.push('a reload is queued');
  if (status.lastResults.length) lines.push('last reloads:');
  for (const r of status.lastResults.slice(0, 5)) {
    const what = r.ok ? `ok     gen ${r.generation}` : `FAILED ${r.error?.phase}: ${r.error?.message}`;
    lines.push(`  ${r.startedAt} ${what} (${r.durationMs} ms, ${r.reason})`);
  }
  if (status.detail) lines.push(`detail: ${JSON.stringify(status.detail)}`);
  return lines.join('\n');
}
