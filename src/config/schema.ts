// The one JSON Schema (draft-07) for hotcycle.yaml: the master validates with it before a cycle,
// the sidecar in its config gate, the chart can export it. Defaults live in DEFAULTS and are
// applied by normalize.ts, not by ajv (`default` here is documentation only).
import { declareSchema, type AjvSetup } from '../schema-compile.ts';
import { NGINX_ROOT_CONTEXTS, READINESS_MODES, SHUTDOWN_SIGNALS, type RawChecksConfig, type RawHotcycleConfig } from './types.ts';

export const CONFIG_FILE_NAMES = ['hotcycle.yaml', 'hotcycle.yml', 'hotcycle.json'] as const;

export const DEFAULTS = {
  count: 1,
  cwd: '.',
  readiness: { mode: 'notify', timeoutMs: 10_000 },
  settleDelayMs: 500,
  shutdown: { signal: 'SIGTERM', timeoutMs: 30_000 },
  restart: { backoffMs: 100, maxBackoffMs: 10_000 },
  checkCommandTimeoutMs: 10_000,
} as const;

/** Annotation keyword: a human phrase for what a value should be, used in error messages. */
export const EXPECTED_KEYWORD = 'x-expected';

const MAX_DURATION_MS = 3_600_000;

const durationMs = (fallback: number) =>
  ({ type: 'integer', minimum: 1, maximum: MAX_DURATION_MS, default: fallback }) as const;
const nonEmptyString = { type: 'string', minLength: 1 } as const;
const argv = { type: 'array', minItems: 1, items: nonEmptyString } as const;
const globs = {
  type: ['string', 'array'], minLength: 1, minItems: 1, items: nonEmptyString,
  [EXPECTED_KEYWORD]: 'a glob or a non-empty list of globs',
} as const;

const listener = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'address'],
  properties: {
    // Names travel in LISTEN_FDNAMES, which is `:`-separated and limited to 255 bytes per name.
    name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', maxLength: 255, [EXPECTED_KEYWORD]: 'a name of letters, digits, `_`, `.` or `-`' },
    address: {
      type: 'string',
      pattern: '^(unix:.+|\\[[0-9A-Za-z:.%]+\\]:[0-9]{1,5}|[^\\s:\\[\\]]*:[0-9]{1,5})$',
      [EXPECTED_KEYWORD]: 'an address "host:port", "[v6]:port" or "unix:/path"',
    },
  },
} as const;

const readiness = {
  type: 'object',
  required: ['mode'],
  properties: { mode: { enum: READINESS_MODES } }, // for messages; the branches hold the rules
  discriminator: { propertyName: 'mode' },
  oneOf: [
    { properties: { mode: { const: READINESS_MODES[0] }, timeoutMs: durationMs(DEFAULTS.readiness.timeoutMs) }, additionalProperties: false },
    { properties: { mode: { const: READINESS_MODES[1] }, delayMs: durationMs(DEFAULTS.settleDelayMs) }, additionalProperties: false },
  ],
} as const;

const workers = {
  type: 'object',
  additionalProperties: false,
  required: ['command'],
  properties: {
    count: { type: 'integer', minimum: 1, maximum: 1024, default: DEFAULTS.count },
    command: argv,
    cwd: { ...nonEmptyString, default: DEFAULTS.cwd },
    env: {
      type: 'object',
      additionalProperties: { type: 'string' },
      propertyNames: { pattern: '^[^=\\u0000]+$', [EXPECTED_KEYWORD]: 'a variable name without `=`' },
    },
    readiness,
    shutdown: {
      type: 'object',
      additionalProperties: false,
      properties: {
        signal: { enum: SHUTDOWN_SIGNALS, default: DEFAULTS.shutdown.signal },
        timeoutMs: durationMs(DEFAULTS.shutdown.timeoutMs),
      },
    },
    restart: {
      type: 'object',
      additionalProperties: false,
      properties: {
        backoffMs: durationMs(DEFAULTS.restart.backoffMs),
        maxBackoffMs: durationMs(DEFAULTS.restart.maxBackoffMs),
      },
    },
  },
} as const;

const checks = {
  type: 'object',
  additionalProperties: false,
  properties: {
    schemas: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['files', 'schema'], properties: { files: globs, schema: nonEmptyString } },
    },
    nginx: {
      type: 'object',
      additionalProperties: false,
      properties: {
        main: nonEmptyString,
        files: globs,
        context: { enum: NGINX_ROOT_CONTEXTS },
        includeRoots: {
          type: 'array',
          items: { type: 'string', pattern: '^/', [EXPECTED_KEYWORD]: 'an absolute directory' },
        },
      },
    },
    commands: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false, required: ['command'],
        properties: { command: argv, timeoutMs: durationMs(DEFAULTS.checkCommandTimeoutMs) },
      },
    },
  },
} as const;

export const HOTCYCLE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://hotcycle.dev/schemas/hotcycle.json',
  title: 'hotcycle.yaml',
  type: 'object',
  additionalProperties: false,
  required: ['workers'],
  properties: {
    listeners: { type: 'array', items: listener, default: [] },
    workers,
    checks,
  },
} as const;

/**
 * The same file under the nginx driver: nginx is the server, so there are no workers to
 * describe and only `checks` means anything; `workers` and `listeners` are still held to
 * their rules when present.
 */
export const NGINX_DRIVER_SCHEMA = {
  ...HOTCYCLE_SCHEMA,
  $id: 'https://hotcycle.dev/schemas/hotcycle-nginx.json',
  title: 'hotcycle.yaml (nginx driver)',
  required: [],
} as const;

const CONFIG_AJV: AjvSetup = {
  name: 'config', options: { allErrors: true, verbose: true, discriminator: true, allowUnionTypes: true }, keywords: [EXPECTED_KEYWORD],
};

/** The compiled validator, built on first use (compiling costs a few milliseconds), or at build time in the bundle. */
export const hotcycleValidator = declareSchema<RawHotcycleConfig>(CONFIG_AJV, HOTCYCLE_SCHEMA);
export const nginxDriverValidator = declareSchema<RawChecksConfig>(CONFIG_AJV, NGINX_DRIVER_SCHEMA);
