// A schema-valid raw config → the normalised, deeply frozen HotcycleConfig. Every default is
// applied here, explicitly, from DEFAULTS (ajv's useDefaults would hide them in the schema).
import { addressKey, parseAddress } from './address.ts';
import { DEFAULTS } from './schema.ts';
import type { ChecksConfig, HotcycleConfig, NginxChecks, RawChecks, RawNginxChecks, RawReadiness, RawWorkers, ReadinessConfig, WorkersConfig } from './types.ts';
import type { RawHotcycleConfig } from './types.ts';

export function normalizeConfig(raw: RawHotcycleConfig): HotcycleConfig {
  return deepFreeze({
    listeners: (raw.listeners ?? []).map(({ name, address }) => {
      const listen = parseAddress(address); // cannot throw: rules.ts rejected what does not parse
      return { name, address, listen, key: addressKey(listen) };
    }),
    workers: normalizeWorkers(raw.workers),
    checks: normalizeChecks(raw.checks ?? {}),
  });
}

function normalizeWorkers(raw: RawWorkers): WorkersConfig {
  const backoffMs = raw.restart?.backoffMs ?? DEFAULTS.restart.backoffMs;
  return {
    count: raw.count ?? DEFAULTS.count,
    command: [...raw.command],
    cwd: raw.cwd ?? DEFAULTS.cwd,
    env: { ...raw.env },
    readiness: normalizeReadiness(raw.readiness),
    shutdown: {
      signal: raw.shutdown?.signal ?? DEFAULTS.shutdown.signal,
      timeoutMs: raw.shutdown?.timeoutMs ?? DEFAULTS.shutdown.timeoutMs,
    },
    restart: {
      backoffMs,
      // A larger initial backoff raises the default ceiling rather than contradicting it.
      maxBackoffMs: raw.restart?.maxBackoffMs ?? Math.max(DEFAULTS.restart.maxBackoffMs, backoffMs),
    },
  };
}

function normalizeReadiness(raw: RawReadiness | undefined): ReadinessConfig {
  if (raw?.mode === 'settle') return { mode: 'settle', delayMs: raw.delayMs ?? DEFAULTS.settleDelayMs };
  return { mode: 'notify', timeoutMs: raw?.timeoutMs ?? DEFAULTS.readiness.timeoutMs };
}

export function normalizeChecks(raw: RawChecks): ChecksConfig {
  return {
    schemas: (raw.schemas ?? []).map(({ files, schema }) => ({ files: toList(files), schema })),
    ...(raw.nginx ? { nginx: normalizeNginx(raw.nginx) } : {}),
    commands: (raw.commands ?? []).map(({ command, timeoutMs }) => ({
      command: [...command],
      timeoutMs: timeoutMs ?? DEFAULTS.checkCommandTimeoutMs,
    })),
  };
}

function normalizeNginx(raw: RawNginxChecks): NginxChecks {
  return {
    ...(raw.main === undefined ? {} : { main: raw.main }),
    files: raw.files === undefined ? [] : toList(raw.files),
    ...(raw.context === undefined ? {} : { context: raw.context }),
    includeRoots: [...(raw.includeRoots ?? [])],
  };
}

function toList(globs: string | readonly string[]): string[] {
  return typeof globs === 'string' ? [globs] : [...globs];
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
