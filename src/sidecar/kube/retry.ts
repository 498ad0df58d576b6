// Pure: which failed API calls are worth another try, and when. Throttling (429) and server
// errors (5xx) are transient, and so is a connection that failed before any answer (the API
// server restarting or down); every other 4xx is our request being wrong (404 pod gone, 403
// forbidden, 422 invalid) and will not get better by repeating it.
//
// Retries never run out by count: an outage of any length is waited out with exponential backoff
// capped at `maxDelayMs`. What bounds them is the report's age: an Event is history, and one
// older than `giveUpAfterMs` is dropped (and counted); the Pod's annotations are desired state,
// so their policy has no age limit — they are reconciled until they hold.

export interface RetryPolicy {
  baseDelayMs: number;
  /** The backoff's cap: after an outage, the call is tried again within this much of its end. */
  maxDelayMs: number;
  /** A Retry-After is honoured up to this; a longer one waits this long. */
  maxRetryAfterMs: number;
  /** Give up once the report is this old (ms since it was made); absent: never. */
  giveUpAfterMs?: number;
}

/** Events: waited for across an outage of minutes, then dropped and counted. */
export const EVENT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 30_000,
  giveUpAfterMs: 10 * 60_000,
});

/** Annotations: desired state, retried until they hold or a newer state replaces them. */
export const ANNOTATION_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 30_000,
});

/** What a failed call told us: the HTTP status and Status reason (absent: no answer), Retry-After, a message. */
export interface CallFailure {
  status?: number;
  reason?: string;
  retryAfter?: string;
  message: string;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; why: string };

/**
 * `attempt` is the 1-based number of the try that just failed (it sets the backoff); `ageMs` is
 * how long ago the report was made (it bounds the retries, see RetryPolicy.giveUpAfterMs).
 */
export function decideRetry(failure: CallFailure, attempt: number, ageMs: number, policy: RetryPolicy): RetryDecision {
  if (!isRetryable(failure)) return { retry: false, why: `HTTP ${failure.status} is not retryable` };
  const asked = parseRetryAfter(failure.retryAfter);
  const delayMs = asked === undefined
    ? Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30))
    : Math.min(asked, policy.maxRetryAfterMs);
  const { giveUpAfterMs } = policy;
  if (giveUpAfterMs !== undefined && ageMs + delayMs > giveUpAfterMs) {
    return { retry: false, why: `still failing after ${attempt} attempts over ${Math.round(ageMs / 1000)} s (the limit is ${giveUpAfterMs / 1000} s)` };
  }
  return { retry: true, delayMs };
}

/** No answer, 429 or 5xx: worth another try. Any other answer is final. */
export function isRetryable(failure: CallFailure): boolean {
  const { status } = failure;
  return status === undefined || status >= 500 || status === 429;
}

/**
 * A create answered 409 AlreadyExists on a retry: an earlier try landed although its answer was
 * lost (a timeout, a dropped connection). The retry reuses the object's name, so the object is
 * ours: delivered. On a first try the name belongs to someone else.
 */
export function landedEarlier(failure: CallFailure, attempt: number): boolean {
  return attempt > 1 && failure.status === 409 && failure.reason === 'AlreadyExists';
}

/** Retry-After as delta-seconds (what the API server sends); HTTP dates are not used by it. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value) * 1000;
}

/**
 * Reads what client-node 2.x throws: ApiException has `code`, `headers` and `body` (the Status
 * object, or its text); network failures are plain errors without an answer, and so is our own
 * deadline — a DOMException TimeoutError, whose numeric `code` (23) is no HTTP status.
 */
export function describeFailure(error: unknown): CallFailure {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const { code, headers, body } = error as { code?: unknown; headers?: Record<string, string>; body?: unknown };
  if (typeof code !== 'number' || error instanceof DOMException) return { message: causeMessage(error) };
  const status = parseStatus(body);
  const failure: CallFailure = { status: code, message: status.message ?? `HTTP ${code}` };
  if (status.reason !== undefined) failure.reason = status.reason;
  const retryAfter = headers?.['retry-after'];
  if (retryAfter !== undefined) failure.retryAfter = retryAfter;
  return failure;
}

/** The message and reason of a Status body (an object, or its JSON text); plain text is the message. */
function parseStatus(body: unknown): { message?: string; reason?: string } {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body ? { message: body.slice(0, 200) } : {};
    }
  }
  const { message, reason } = (parsed ?? {}) as { message?: unknown; reason?: unknown };
  return {
    ...(typeof message === 'string' ? { message } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
  };
}

function causeMessage(error: object): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return message + cause;
}
