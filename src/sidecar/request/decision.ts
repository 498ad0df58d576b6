// Pure: whether a read of the Pod's annotations asks this sidecar for a reload, and the outcome
// line that answers it. `kubectl hotcycle reload` sets hotcycle.dev/reload-requested to the time
// it asks (any new value is a request: `kubectl annotate --overwrite` works too).
//   (1) No value (or an empty one): nothing asked.
//   (2) A value already seen by this sidecar: asked before, nothing new.
//   (3) The first read after start: the value was set before, for a sidecar that may be gone
//       (a restart). It asks this one only if it is a time after this sidecar started and was
//       not acknowledged (hotcycle.dev/last-reload-request) yet: a request made while it started.
//   (4) Any other new value: a request.
import { shortHash } from '../../configset/fileset.ts';
import { syncSucceeded, type SyncResult } from '../../protocol/sidecar.ts';
import { ANNOTATION_LAST_RELOAD_REQUEST, ANNOTATION_RELOAD_REQUESTED } from '../kube/events.ts';
import { failureLine, syncWhy } from '../report/why.ts';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** `seen`: the value at the previous read; null before the first. The request to act on, or null. */
export function requestToAct(annotations: ReadonlyMap<string, string>, seen: string | null, startedAt: Date): string | null {
  const value = annotations.get(ANNOTATION_RELOAD_REQUESTED) ?? '';
  if (value === '') return null; // (1)
  if (value === seen) return null; // (2)
  if (seen === null) { // (3)
    const at = RFC3339.test(value) ? Date.parse(value) : NaN;
    return at > startedAt.getTime() && annotations.get(ANNOTATION_LAST_RELOAD_REQUEST) !== value ? value : null;
  }
  return value; // (4)
}

/**
 * What the requested reload came to, in one line the annotation and the Event carry and the
 * plugin prints: `ok: reloaded config 1a2b3c4d5e6f, generation 7` or `failed: <why>`
 * (report/why.ts, at most its WHY_LIMIT after the prefix).
 */
export function requestOutcome(result: SyncResult): { ok: boolean; line: string } {
  const config = `config ${shortHash(result.configHash) || '(unreadable)'}`;
  if (syncSucceeded(result)) {
    const r = result.reload;
    if (r) return { ok: true, line: `ok: reloaded ${config}, generation ${r.generation}` };
    if (result.outcome === 'held') return { ok: true, line: `ok: ${config} held: it waits for its turn in the fleet rollout` };
    return { ok: true, line: `ok: ${result.outcome} ${config}` };
  }
  const why = syncWhy(result) ?? { text: result.outcome, tail: '' };
  return { ok: false, line: `failed: ${failureLine(result.outcome, result.configHash, why)}` };
}
