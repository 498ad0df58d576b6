// nginx respawns a dead worker at once; we add exponential backoff so a worker that
// crashes on every start does not spin, and call it a crash loop when it keeps failing.

export interface BackoffPolicy {
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/** Crashes within this window of each other count as one streak. */
export const CRASH_WINDOW_MS = 60_000;
/** A streak this long is reported as a crash loop in status. */
export const CRASH_LOOP_STREAK = 5;

export function backoffDelay(policy: BackoffPolicy, streak: number): number {
  const exponent = Math.max(0, Math.min(streak - 1, 30));
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** exponent);
}

/** The crash streak after a crash at `now`, given the previous crash time. */
export function nextStreak(previousStreak: number, lastCrashAt: number | null, now: number): number {
  return lastCrashAt !== null && now - lastCrashAt <= CRASH_WINDOW_MS ? previousStreak + 1 : 1;
}
