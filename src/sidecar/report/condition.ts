// Pure: what the Pod condition `hotcycle.dev/config-applied` says, from the pod's facts (issue 18):
// whether the pod serves what the release is meant to serve now, so that a readiness gate on it
// takes out a pod that cannot apply the config and never the whole fleet for a verdict every pod
// reaches alike.
//   - True, Applied: the master runs the version the source holds (checked, admitted by the
//     fleet rollout when there is one, not marked bad).
//   - True, with the reason, while the pod serves an older version because the newest is
//     MarkedBad by the rollout, Rejected by the checks (both alike on every pod) or Held until
//     its turn: every pod serves that older version meanwhile.
//   - False: the master refused the checked version here (ReloadFailed), its checks could not
//     run here (Pending), the pod serves nothing yet, or it still runs a version just marked bad
//     (the canary, until its roll-back).
// The first reason that applies wins, in that order: MarkedBad, ReloadFailed, Rejected, Pending,
// Held. A version on its way — published, the master not yet answered — decides nothing: the
// condition keeps what it said, so an ordinary reload never flips it.
// The message names the version by its short hash and says why in one line (why.ts): built
// only from findings the gate already redacted and errors the master built from them, never
// from the files, so it can show no Secret content.
import { shortHash } from '../../configset/fileset.ts';
import { formatWhy, type Why } from './why.ts';

export const CONFIG_APPLIED = 'hotcycle.dev/config-applied';

export type ConditionReason = 'Applied' | 'MarkedBad' | 'ReloadFailed' | 'Rejected' | 'Pending' | 'Held';

export interface ConfigApplied {
  status: 'True' | 'False';
  reason: ConditionReason;
  message: string;
}

export interface ConditionFacts {
  /** The version the source holds: the newest one judged ('' none yet, or none readable). */
  source: string;
  /** What the master was last seen running ('' nothing yet). */
  running: string;
  /** What the live directory holds ('' nothing yet). */
  published: string;
  /** The stored last good version, when the pod serves it instead of its source's ('' it does not). */
  lastGood: string;
  /** The checks rejected `source`: why (its first finding), or null. */
  rejected: Why | null;
  /** The master refused `source` and it is not tried again: why, or null. */
  reloadFailed: Why | null;
  /** The checks of `source` could not run; they are retried: why, or null. */
  checkError: Why | null;
  /** With a fleet rollout: why `source` is marked bad ('' it is not). null: no rollout. */
  rollout: { bad: string } | null;
}

/** The condition the facts call for; null when they decide nothing (nothing read yet, a version on its way). */
export function decideConfigApplied(facts: ConditionFacts): ConfigApplied | null {
  const { source, running, published, rollout } = facts;
  const version = `config ${shortHash(source) || '(unreadable)'}`;
  const serving = running === '' ? 'serving nothing yet' : `serving ${running === facts.lastGood ? 'the last good config ' : ''}${shortHash(running)}`;
  // It serves an older version than the one not run (a fleet-wide verdict leaves it in service).
  const servesOlder = running !== '' && running !== source;
  const say = (ok: boolean, reason: ConditionReason, what: string, why: Why): ConfigApplied => ({
    status: ok ? 'True' : 'False', reason, message: formatWhy({ text: why.text, tail: `${why.tail}; ${serving}` }, `${version} ${what}: `),
  });
  if (rollout?.bad) return say(servesOlder, 'MarkedBad', 'marked bad by the rollout', { text: rollout.bad, tail: '' });
  if (source !== '' && source === running) return { status: 'True', reason: 'Applied', message: `${version} applied` };
  if (facts.reloadFailed) return say(false, 'ReloadFailed', 'refused by the master', facts.reloadFailed);
  if (facts.rejected) return say(servesOlder, 'Rejected', 'rejected', facts.rejected);
  if (source === '') return null;
  if (facts.checkError) return say(false, 'Pending', 'not checked yet', facts.checkError);
  if (published === source) return null;
  // Accepted but not published: with a rollout, held until its turn; without, about to be published.
  return rollout ? say(servesOlder, 'Held', 'held', { text: 'waits for its turn in the rollout', tail: '' }) : null;
}

/** Whether a write is due: status, reason or message changed. */
export function sameCondition(a: ConfigApplied | null, b: ConfigApplied): boolean {
  return a !== null && a.status === b.status && a.reason === b.reason && a.message === b.message;
}
