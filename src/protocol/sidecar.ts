// The sidecar's control messages (DESIGN.md §4): `POST /v1/sync` and its `GET /v1/status`.
// Checked by the sidecar's server (requests) and by the CLI (answers), like the master's.
import type { Diagnostic } from '../diagnostic.ts';
import type { ErrorInfo } from '../errors.ts';
import { masterStatusSchema, errorInfoSchema, reloadResultSchema } from './schemas.ts';
import type { MasterStatus, ReloadResult } from './types.ts';
import { compileCheck } from './validate.ts';

export interface SyncRequest {
  /** Reload even when the source is unchanged or the master already runs it. */
  force?: boolean;
  reason?: string;
}

/** Where a version came from: the mounted source directory, or the ConfigMap through the API. */
export const SYNC_ORIGINS = ['volume', 'api'] as const;
export type SyncOrigin = (typeof SYNC_ORIGINS)[number];

/**
 * What a sync did with the version it read: `unchanged` and `stale` (nothing new), `rejected` (the
 * checks found faults), `check-failed` (the checks could not run: retried), `not-retried` (the
 * master rejected it before), `held` (the fleet rollout has not admitted it yet), `published`, `applied` (the master already ran it), `reloaded`,
 * `reload-failed`, `interrupted` (the master died mid-cycle), `error` (reading or publishing).
 */
export const SYNC_OUTCOMES = [
  'unchanged', 'stale', 'rejected', 'check-failed', 'not-retried', 'held', 'published', 'applied', 'reloaded', 'reload-failed', 'interrupted', 'error',
] as const;
export type SyncOutcome = (typeof SYNC_OUTCOMES)[number];

/** A version whose checks could not run (no scratch space, a check command that cannot start…). */
export interface CheckError {
  configHash: string;
  error: ErrorInfo;
  /** Failed attempts in a row; the next one runs after `retryInMs`. */
  attempts: number;
  retryInMs: number;
}

/** What a sync did instead, when the pod had nothing good to serve (the sync loop's step (8)). */
export interface LastGoodFallback {
  /** The stored last-good version it published. */
  configHash: string;
  outcome: SyncOutcome;
  reload?: ReloadResult;
  error?: ErrorInfo;
}

/** The last good config kept for the release (sidecar/sync/last-good.ts). */
export interface LastGoodStatus {
  /** A Secret to keep it in was given, and this sidecar runs in a cluster. */
  enabled: boolean;
  /** The Secret, or why there is none. */
  detail: string;
  /** What this sidecar last stored or read. */
  stored?: { configHash: string; generation: number; storedAt: string };
  /** The last version the master ran was too large to store. */
  notStored?: string;
  /** The pod serves the stored version because its source version `instead` cannot be run: `why` (`was rejected`, `is marked bad in the fleet rollout (…)`). */
  running?: { configHash: string; generation: number; storedAt: string; instead: string; why: string; since: string };
}

export interface SyncResult {
  /** True when this sync wrote a new version into the live directory. */
  published: boolean;
  /** The hash of the version this sync looked at (sha256 of the file set). */
  configHash: string;
  /** The checks' findings when the version was rejected; the live directory is untouched. */
  rejected?: Diagnostic[];
  /** The master's answer when this sync asked it to reload. */
  reload?: ReloadResult;
  outcome: SyncOutcome;
  /** A failure outside the checks and the reload (source unreadable, master unreachable). */
  error?: ErrorInfo;
  /** The pod had nothing good to serve, and this sync published the stored last-good version. */
  lastGood?: LastGoodFallback;
  reason: string;
  origin: SyncOrigin;
  startedAt: string;
  durationMs: number;
  /** In `GET /v1/status` only: why the version does not run, in one line (sidecar/report/why.ts). */
  why?: string;
}

/**
 * A forced sync succeeded when the checks passed and the master runs the version: `hotcycle
 * reload`'s exit status, and the outcome of a reload requested through the Pod annotation.
 */
export function syncSucceeded(result: SyncResult): boolean {
  if (result.rejected?.length || result.error) return false;
  return result.reload ? result.reload.ok : result.outcome !== 'not-retried';
}

export interface WatchHealth {
  /** The watcher is running and has reported ready. */
  healthy: boolean;
  /** `kubelet` when the source has a `..data` link, else `plain`. */
  kind: string;
  events: number;
  /** Changes the slow re-hash found that no event announced. */
  missedChanges: number;
  lastError?: string;
}

export interface SidecarStatus {
  pid: number;
  startedAt: string;
  driver: string;
  sourceDir: string;
  /** The named sources (--source NAME=DIR, --secret-source NAME=DIR); their files are under NAME/. */
  sources?: { name: string; dir: string; secret: boolean }[];
  liveDir: string;
  masterSocket: string;
  /** The hash of the version the live directory holds ('' before the first publish). */
  publishedHash: string;
  /** The hash the master was last seen running ('' when unknown). */
  appliedHash: string;
  /** The last version read from the source, accepted or not. */
  sourceHash: string;
  /** Versions the master rejected; they are not retried without `force`. */
  failedHashes: string[];
  /** The newest version's checks could not run; it is retried with backoff until they do. */
  checkError?: CheckError;
  /** Which origin brought the version the master runs, and how far the volume lags (sync/arrivals.ts). */
  runningSource?: SyncOrigin;
  volumeLagMs?: number;
  volumeCaughtUp?: boolean;
  watch: WatchHealth;
  /** configMapError: why the fast path's watch of configMap is failing (403: the Role lacks it). */
  kube: { reporting: boolean; detail: string; configMap?: string; resourceVersion?: string; configMapError?: string };
  lastGood: LastGoodStatus;
  /** The fleet rollout (--rollout-lease), when on. */
  rollout?: RolloutStatus;
  lastResults: SyncResult[];
  master?: MasterStatus;
  masterError?: ErrorInfo;
}

/** This pod's part in the fleet rollout, as its loop last read and decided it (sidecar/rollout/loop.ts). */
export interface RolloutStatus {
  lease: string;
  /** canary, slot (a wave's), applied, waiting, held (its source version waits for its turn) or idle. */
  role: string;
  phase: string;
  version: string;
  paused: boolean;
  bad: Array<{ hash: string; reason: string }>;
  error?: string;
}

const rolloutStatus = {
  type: 'object',
  required: ['lease', 'role', 'phase', 'version', 'paused', 'bad'],
  properties: {
    lease: { type: 'string' }, role: { type: 'string' }, phase: { type: 'string' }, version: { type: 'string' }, paused: { type: 'boolean' },
    bad: {
      type: 'array',
      items: { type: 'object', required: ['hash', 'reason'], properties: { hash: { type: 'string' }, reason: { type: 'string' } }, additionalProperties: false },
    },
    error: { type: 'string' },
  },
  additionalProperties: false,
} as const;

export const syncRequestSchema = {
  type: 'object',
  properties: { force: { type: 'boolean' }, reason: { type: 'string', maxLength: 200 } },
  additionalProperties: false,
} as const;

const diagnostic = {
  type: 'object',
  required: ['file', 'line', 'column', 'message', 'source'],
  properties: {
    file: { type: 'string' }, line: { type: 'integer' }, column: { type: 'integer' }, message: { type: 'string' }, source: { type: 'string' },
  },
  additionalProperties: false,
} as const;

const storedMeta = {
  configHash: { type: 'string' }, generation: { type: 'integer' }, storedAt: { type: 'string' },
} as const;

const lastGoodStatus = {
  type: 'object',
  required: ['enabled', 'detail'],
  properties: {
    enabled: { type: 'boolean' },
    detail: { type: 'string' },
    stored: { type: 'object', required: ['configHash', 'generation', 'storedAt'], properties: storedMeta, additionalProperties: false },
    notStored: { type: 'string' },
    running: {
      type: 'object', required: ['configHash', 'generation', 'storedAt', 'instead', 'why', 'since'],
      properties: { ...storedMeta, instead: { type: 'string' }, why: { type: 'string' }, since: { type: 'string' } }, additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

const syncResult = {
  type: 'object',
  required: ['published', 'configHash', 'outcome', 'reason', 'origin', 'startedAt', 'durationMs'],
  properties: {
    published: { type: 'boolean' },
    configHash: { type: 'string' },
    rejected: { type: 'array', items: diagnostic },
    reload: reloadResultSchema,
    outcome: { enum: SYNC_OUTCOMES },
    error: errorInfoSchema,
    lastGood: {
      type: 'object',
      required: ['configHash', 'outcome'],
      properties: { configHash: { type: 'string' }, outcome: { enum: SYNC_OUTCOMES }, reload: reloadResultSchema, error: errorInfoSchema },
      additionalProperties: false,
    },
    reason: { type: 'string' },
    origin: { enum: SYNC_ORIGINS },
    startedAt: { type: 'string' },
    durationMs: { type: 'number' },
    why: { type: 'string' },
  },
  additionalProperties: false,
} as const;

const sidecarStatus = {
  type: 'object',
  required: ['pid', 'startedAt', 'driver', 'sourceDir', 'liveDir', 'masterSocket', 'publishedHash', 'appliedHash', 'sourceHash',
    'failedHashes', 'watch', 'kube', 'lastGood', 'lastResults'],
  properties: {
    pid: { type: 'integer' },
    startedAt: { type: 'string' },
    driver: { type: 'string' },
    sourceDir: { type: 'string' },
    sources: {
      type: 'array',
      items: {
        type: 'object', required: ['name', 'dir', 'secret'],
        properties: { name: { type: 'string' }, dir: { type: 'string' }, secret: { type: 'boolean' } }, additionalProperties: false,
      },
    },
    liveDir: { type: 'string' },
    masterSocket: { type: 'string' },
    publishedHash: { type: 'string' },
    appliedHash: { type: 'string' },
    sourceHash: { type: 'string' },
    failedHashes: { type: 'array', items: { type: 'string' } },
    checkError: {
      type: 'object',
      required: ['configHash', 'error', 'attempts', 'retryInMs'],
      properties: { configHash: { type: 'string' }, error: errorInfoSchema, attempts: { type: 'integer' }, retryInMs: { type: 'number' } },
      additionalProperties: false,
    },
    runningSource: { enum: SYNC_ORIGINS },
    volumeLagMs: { type: 'number' },
    volumeCaughtUp: { type: 'boolean' },
    watch: {
      type: 'object',
      required: ['healthy', 'kind', 'events', 'missedChanges'],
      properties: {
        healthy: { type: 'boolean' }, kind: { type: 'string' }, events: { type: 'integer' }, missedChanges: { type: 'integer' },
        lastError: { type: 'string' },
      },
    },
    kube: {
      type: 'object',
      required: ['reporting', 'detail'],
      properties: {
        reporting: { type: 'boolean' }, detail: { type: 'string' }, configMap: { type: 'string' }, resourceVersion: { type: 'string' }, configMapError: { type: 'string' },
      },
    },
    lastGood: lastGoodStatus,
    rollout: rolloutStatus,
    lastResults: { type: 'array', items: syncResult },
    master: masterStatusSchema,
    masterError: errorInfoSchema,
  },
} as const;

export const isSyncRequest = compileCheck<SyncRequest>(syncRequestSchema);
export const isSyncResult = compileCheck<SyncResult>(syncResult);
export const isSidecarStatus = compileCheck<SidecarStatus>(sidecarStatus);
