// Why a version does not run, in one line (issue 20): shown under each of `hotcycle status`'s last
// syncs (and as `why` in its JSON) and carried by the Pod annotation hotcycle.dev/last-failure, so
// an operator sees the reason without the sidecar's log. Built only from what the checks and the
// master returned — findings the gate already redacted (checks/redact.ts), errors the master built
// from its own redacted findings — never from the files: a line can show no Secret content.
import { shortHash } from '../../configset/fileset.ts';
import { formatDiagnostic, type Diagnostic } from '../../diagnostic.ts';
import type { ErrorInfo } from '../../errors.ts';
import type { SyncOutcome, SyncResult } from '../../protocol/sidecar.ts';

/** Characters a line may have: an annotation and a status line stay readable. */
export const WHY_LIMIT = 256;
const ELLIPSIS = '…';

/** `text` is cut when the line is too long; `tail` (`(+2 more)`, `[ECODE]`) is always kept. */
export interface Why {
  text: string;
  tail: string;
}

/** The first finding as `file:line:col: message`, and how many more there are. */
export function findingsWhy(diagnostics: readonly Diagnostic[]): Why {
  const [first] = diagnostics;
  const rest = diagnostics.length - 1;
  return { text: first ? formatDiagnostic(first) : 'rejected', tail: rest > 0 ? ` (+${rest} more)` : '' };
}

/** The phase that failed and the error, as formatError's first line says it. */
export function errorWhy(error: ErrorInfo): Why {
  return { text: `failed in phase ${error.phase}: ${error.message}`, tail: ` [${error.code}]` };
}

/** Why the sync's version does not run; undefined when nothing went wrong with it. */
export function syncWhy(result: SyncResult): Why | undefined {
  if (result.rejected?.length) return findingsWhy(result.rejected);
  const error = result.reload?.ok === false ? result.reload.error : result.error;
  return error ? errorWhy(error) : undefined;
}

/** The result as `GET /v1/status` shows it: with its one line of why, if it has one. */
export function withWhy(result: SyncResult): SyncResult {
  const why = syncWhy(result);
  return why ? { ...result, why: formatWhy(why) } : result;
}

/** hotcycle.dev/last-failure: what became of which version, and why. */
export function failureLine(outcome: SyncOutcome, configHash: string, why: Why): string {
  return formatWhy(why, `${outcome} ${shortHash(configHash) || '(unreadable)'}: `);
}

/**
 * One line of at most WHY_LIMIT characters: line breaks (a check command's stderr) become spaces,
 * and an over-long text is cut with an ellipsis before its tail. Counts code points, never splitting one.
 */
export function formatWhy(why: Why, prefix = ''): string {
  const flat = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ');
  const head = [...flat(prefix + why.text)];
  const tail = [...flat(why.tail)];
  if (head.length + tail.length <= WHY_LIMIT) return [...head, ...tail].join('');
  return [...head.slice(0, Math.max(0, WHY_LIMIT - tail.length - 1)), ELLIPSIS, ...tail].join('');
}
