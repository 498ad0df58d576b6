// Pure: `reload`'s side of the annotation protocol (sidecar/request/): the request is the time it
// is made, set as hotcycle.dev/reload-requested; the pod's sidecar acknowledges it by setting
// hotcycle.dev/last-reload-request to the same value, with hotcycle.dev/last-reload-outcome
// ("ok: …" or "failed: …") in the same patch. Then one line per pod, and the exit status.
import { ANNOTATION_LAST_RELOAD_OUTCOME, ANNOTATION_LAST_RELOAD_REQUEST, ANNOTATION_RELOAD_REQUESTED } from '../sidecar/kube/events.ts';

export { ANNOTATION_RELOAD_REQUESTED };

/** The sidecar flag that says a pod acts on the annotation (the chart sets it). */
export const WATCH_FLAG = '--pod-annotations';

export type ReloadState = 'ok' | 'failed' | 'requested' | 'no-answer' | 'not-watching' | 'gone';

export interface PodReload {
  pod: string;
  state: ReloadState;
  /** The sidecar's outcome line (ok, failed), or why there is none. */
  detail: string;
}

/** The Pod's answer to `request`, or null while it has not acknowledged that value. */
export function acknowledgment(annotations: Readonly<Record<string, string>> | undefined, request: string): { state: 'ok' | 'failed'; detail: string } | null {
  if (annotations?.[ANNOTATION_LAST_RELOAD_REQUEST] !== request) return null;
  const outcome = annotations[ANNOTATION_LAST_RELOAD_OUTCOME] ?? '';
  return outcome.startsWith('ok: ')
    ? { state: 'ok', detail: outcome.slice(4) }
    : { state: 'failed', detail: outcome.startsWith('failed: ') ? outcome.slice(8) : outcome || 'no outcome given' };
}

/** One line per pod, as `pod/NAME: …`. */
export function formatReloads(reloads: readonly PodReload[], request: string, timeoutMs: number): string {
  const said: Record<ReloadState, (r: PodReload) => string> = {
    ok: (r) => r.detail,
    failed: (r) => `FAILED: ${r.detail}`,
    requested: () => `reload requested (${ANNOTATION_RELOAD_REQUESTED}=${request})`,
    'no-answer': () => `no answer within ${Math.round(timeoutMs / 1000)}s (${ANNOTATION_RELOAD_REQUESTED}=${request} is set; the sidecar sees it once kubelet `
      + 'refreshes the Pod\'s annotations file, on its next sync of the Pod: try a longer --timeout, or check the sidecar is running)',
    'not-watching': () => `FAILED: its sidecar does not act on ${ANNOTATION_RELOAD_REQUESTED} (no ${WATCH_FLAG} in the Pod's spec: a chart before this feature?); `
      + 'the annotation is set, nothing will reload',
    gone: (r) => `FAILED: ${r.detail}`,
  };
  return reloads.map((r) => `pod/${r.pod}: ${said[r.state](r)}`).join('\n');
}

/** Exit 0 only when every pod reloaded (or, with --no-wait, was asked). */
export function reloadsSucceeded(reloads: readonly PodReload[]): boolean {
  return reloads.length > 0 && reloads.every((r) => r.state === 'ok' || r.state === 'requested');
}
