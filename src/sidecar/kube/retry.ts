// Pure: which failed API calls are worth another try, and when. Throttling (429) and server
// errors (5xx) are transient, and so is a connection that failed before any answer (the API
// server restarting); every other 4xx is our request being wrong (404 pod gone, 409 name taken,
// 422 invalid) and will not get better by repeating it.

export interface RetryPolicy {
  /** Total tries, the first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the report is given up instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  attempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  maxRetryAfterMs: 10_000,
});

/** What a failed call told us: the HTTP status (absent: no answer), Retry-After, a message. */
export interface CallFailure {
  status?: number;
  retryAfter?: string;
  message: string;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; why: string };

/** `attempt` is the 1-based number of the try that just failed. */
export function decideRetry(failure: CallFailure, attempt: number, policy: RetryPolicy): RetryDecision {
  const { status } = failure;
  if (status !== undefined && status < 500 && status !== 429) return { retry: false, why: `HTTP ${status} is not retryable` };
  if (attempt >= policy.attempts) return { retry: false, why: `gave up after ${attempt} attempts` };
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const asked = parseRetryAfter(failure.retryAfter);
  if (asked === undefined) return { retry: true, delayMs: backoff };
  if (asked > policy.maxRetryAfterMs) return { retry: false, why: `Retry-After ${failure.retryAfter} s is too long to wait` };
  return { retry: true, delayMs: asked };
}

/** Retry-After as delta-seconds (what the API server sends); HTTP dates are not used by it. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value) * 1000;
}

/**
 * Reads what client-node 2.x throws: ApiException has `code`, `headers` and `body` (the Status
 * object, or its text); network failures are plain errors without a code.
 */
export function describeFailure(error: unknown): CallFailure {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const { code, headers, body } = error as { code?: unknown; headers?: Record<string, string>; body?: unknown };
  if (typeof code !== 'number') return { message: causeMessage(error) };
  const failure: CallFailure = { status: code, message: statusMessage(body) ?? `HTTP ${code}` };
  const retryAfter = headers?.['retry-after'];
  if (retryAfter !== undefined) failure.retryAfter = retryAfter;
  return failure;
}

function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.slice(0, 200) || undefined;
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
}

function causeMessage(error: object): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return message + cause;
}
