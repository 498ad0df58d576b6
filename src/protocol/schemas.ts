// JSON Schemas of the control messages. Requests are checked by the servers, results by
// the clients (the CLI and the sidecar), so a version skew shows up as a clear error.
import { PHASES } from '../errors.ts';
import { compileCheck } from './validate.ts';
import { MASTER_STATES, type CheckResult, type ErrorBody, type MasterStatus, type ReloadRequest, type ReloadResult } from './types.ts';

const hash = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;

export const errorInfoSchema = {
  type: 'object',
  required: ['phase', 'code', 'message'],
  properties: {
    phase: { enum: PHASES },
    // An ErrorCode, but an open string on the wire: a peer of another version may know codes this one does not.
    code: { type: 'string' },
    message: { type: 'string' },
    detail: { type: 'string' },
  },
  additionalProperties: false,
} as const;

const phaseRecord = {
  type: 'object',
  required: ['name', 'ms', 'ok'],
  properties: { name: { enum: PHASES }, ms: { type: 'number' }, ok: { type: 'boolean' } },
  additionalProperties: false,
} as const;

export const reloadRequestSchema = {
  type: 'object',
  properties: {
    reason: { type: 'string', maxLength: 200 },
    expectHash: hash,
  },
  additionalProperties: false,
} as const;

export const checkRequestSchema = { type: 'object', properties: {}, additionalProperties: false } as const;

const worker = {
  type: 'object',
  required: ['pid', 'generation', 'slot', 'state', 'since'],
  properties: {
    pid: { type: 'integer' }, generation: { type: 'integer' }, slot: { type: 'integer' }, state: { type: 'string' }, since: { type: 'string' },
  },
} as const;

export const reloadResultSchema = {
  type: 'object',
  required: ['ok', 'generation', 'configHash', 'durationMs', 'phases', 'reason', 'startedAt', 'requests'],
  properties: {
    ok: { type: 'boolean' },
    generation: { type: 'integer', minimum: 0 },
    configHash: { type: 'string' },
    durationMs: { type: 'number' },
    phases: { type: 'array', items: phaseRecord },
    error: errorInfoSchema,
    reason: { type: 'string' },
    startedAt: { type: 'string' },
    requests: { type: 'integer', minimum: 1 },
    detail: { type: 'object' },
  },
  additionalProperties: false,
} as const;

const checkResult = {
  type: 'object',
  required: ['ok', 'configHash', 'durationMs'],
  properties: { ok: { type: 'boolean' }, configHash: { type: 'string' }, durationMs: { type: 'number' }, error: errorInfoSchema },
  additionalProperties: false,
} as const;

export const masterStatusSchema = {
  type: 'object',
  required: ['driver', 'pid', 'state', 'startedAt', 'generation', 'configHash', 'configDir', 'listeners', 'generations', 'pendingReload', 'lastResults'],
  properties: {
    driver: { type: 'string' },
    pid: { type: 'integer' },
    state: { enum: MASTER_STATES },
    startedAt: { type: 'string' },
    generation: { type: 'integer' },
    configHash: { type: 'string' },
    configDir: { type: 'string' },
    listeners: {
      type: 'array',
      items: { type: 'object', required: ['name', 'key'], properties: { name: { type: 'string' }, key: { type: 'string' } } },
    },
    generations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['generation', 'configHash', 'state', 'since', 'restarts', 'crashLoop', 'workers'],
        properties: {
          generation: { type: 'integer' }, configHash: { type: 'string' }, state: { type: 'string' }, since: { type: 'string' },
          restarts: { type: 'integer' }, crashLoop: { type: 'boolean' },
          workers: { type: 'array', items: worker },
        },
      },
    },
    pendingReload: { type: 'boolean' },
    lastResults: { type: 'array', items: reloadResultSchema },
    detail: { type: 'object' },
  },
} as const;


export const isReloadRequest = compileCheck<ReloadRequest>(reloadRequestSchema);
export const isCheckRequest = compileCheck<Record<string, never>>(checkRequestSchema);
export const isReloadResult = compileCheck<ReloadResult>(reloadResultSchema);
export const isCheckResult = compileCheck<CheckResult>(checkResult);
export const isMasterStatus = compileCheck<MasterStatus>(masterStatusSchema);
// Exactly `{error}`: a failed ReloadResult also has an `error`, and is not an error body.
export const isErrorBody = compileCheck<ErrorBody>({ type: 'object', required: ['error'], properties: { error: errorInfoSchema }, additionalProperties: false });
