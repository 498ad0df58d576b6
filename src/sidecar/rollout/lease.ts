// The fleet rollout's whole state (DESIGN.md §13), held in ONE coordination.k8s.io/v1 Lease per
// release (`<fullname>-rollout`, created empty by the chart): JSON under the annotation
// `hotcycle.dev/rollout`. Pure: encode and decode, validated with ajv on read (the Lease is a
// boundary: another replica, another hotcycle version, or a human with kubectl wrote it) and
// bounded on write (annotations share 256 KiB per object; ours stays under MAX_BYTES).
import { HotcycleError } from '../../errors.ts';
import { compileCheck } from '../../protocol/validate.ts';

export const ROLLOUT_ANNOTATION = 'hotcycle.dev/rollout';
export const ROLLOUT_FORMAT = 1;
export const MAX_BYTES = 32 * 1024;
/** The lists that grow with history keep this many, newest last. */
export const MAX_BAD = 16;
export const MAX_SUPERSEDED = 16;

/** canary → baking → waves → done, or → aborted from any of the first three. */
export const ROLLOUT_PHASES = ['canary', 'baking', 'waves', 'done', 'aborted'] as const;
export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];

/** A role a pod holds (the canary, a wave slot) or its membership: renewed by its holder. */
export interface Holder {
  readonly pod: string;
  readonly since: string;
  readonly renewedAt: string;
}

export interface BadVersion {
  readonly hash: string;
  /** The judge's verdict, e.g. `probe: success 0.00 < 0.95 (0/12)`. */
  readonly reason: string;
  readonly at: string;
}

export interface RolloutState {
  /** The config hash being rolled out (or last rolled out); '' before the first rollout. */
  readonly version: string;
  readonly phase: RolloutPhase;
  readonly startedAt: string;
  readonly canary: Holder | null;
  readonly slots: readonly Holder[];
  /** Pods that run `version` and were judged healthy on it (or started on it). */
  readonly applied: readonly string[];
  /** Every pod taking part, renewed like a slot: the rollout is done when every live member applied. */
  readonly members: readonly Holder[];
  readonly bad: readonly BadVersion[];
  /** Versions another one replaced while in flight: a lagging source that still holds one never restarts it. */
  readonly superseded: readonly string[];
  readonly paused: boolean;
}

export const NO_ROLLOUT: RolloutState = Object.freeze({
  version: '', phase: 'done', startedAt: '', canary: null, slots: [], applied: [], members: [], bad: [], superseded: [], paused: false,
});

const HASH = { type: 'string', maxLength: 128 };
const POD = { type: 'string', minLength: 1, maxLength: 253 };
const TIME = { type: 'string', maxLength: 40 };
const HOLDER = {
  type: 'object', additionalProperties: false, required: ['pod', 'since', 'renewedAt'],
  properties: { pod: POD, since: TIME, renewedAt: TIME },
};
const STATE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'version', 'phase', 'startedAt', 'canary', 'slots', 'applied', 'members', 'bad', 'superseded', 'paused'],
  properties: {
    format: { const: ROLLOUT_FORMAT },
    version: HASH,
    phase: { enum: [...ROLLOUT_PHASES] },
    startedAt: TIME,
    canary: { anyOf: [{ type: 'null' }, HOLDER] },
    slots: { type: 'array', maxItems: 256, items: HOLDER },
    applied: { type: 'array', maxItems: 1024, items: POD },
    members: { type: 'array', maxItems: 1024, items: HOLDER },
    bad: {
      type: 'array', maxItems: MAX_BAD,
      items: {
        type: 'object', additionalProperties: false, required: ['hash', 'reason', 'at'],
        properties: { hash: HASH, reason: { type: 'string', maxLength: 512 }, at: TIME },
      },
    },
    superseded: { type: 'array', maxItems: MAX_SUPERSEDED, items: HASH },
    paused: { type: 'boolean' },
  },
};

type Encoded = RolloutState & { format: typeof ROLLOUT_FORMAT };
const isEncoded = compileCheck<Encoded>(STATE_SCHEMA);

/** The state in a Lease's annotations; an empty Lease (as the chart creates it) is NO_ROLLOUT. */
export function decodeRollout(annotations: Readonly<Record<string, string>> | undefined): RolloutState {
  const text = annotations?.[ROLLOUT_ANNOTATION];
  if (text === undefined || text === '') return NO_ROLLOUT;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HotcycleError('publish', 'EROLLOUT', `the rollout Lease's ${ROLLOUT_ANNOTATION} is not JSON`, { cause: error });
  }
  if (!isEncoded(value)) {
    throw new HotcycleError('publish', 'EROLLOUT', `the rollout Lease's ${ROLLOUT_ANNOTATION} is not a rollout state: ${isEncoded.errors()}`);
  }
  const { format: _format, ...state } = value;
  return state;
}

/** The annotation value for `state`; the lists of history are trimmed to their bounds, oldest first. */
export function encodeRollout(state: RolloutState): string {
  const trimmed: Encoded = {
    format: ROLLOUT_FORMAT, ...state, bad: state.bad.slice(-MAX_BAD), superseded: state.superseded.slice(-MAX_SUPERSEDED),
  };
  const text = JSON.stringify(trimmed);
  if (Buffer.byteLength(text) > MAX_BYTES) {
    throw new HotcycleError('publish', 'EROLLOUT', `the rollout state is ${Buffer.byteLength(text)} bytes, over the ${MAX_BYTES} the Lease annotation may take`);
  }
  return text;
}

/** `hash` was marked bad (its reason), or undefined. */
export function badVersion(state: RolloutState, hash: string): BadVersion | undefined {
  return hash === '' ? undefined : state.bad.find((b) => b.hash === hash);
}
