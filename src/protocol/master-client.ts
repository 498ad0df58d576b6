// Typed calls to the master's control socket, used by the CLI and the sidecar.
import { call } from './client.ts';
import { isCheckResult, isMasterStatus, isReloadResult } from './schemas.ts';
import type { CheckResult, MasterStatus, ReloadEvent, ReloadRequest, ReloadResult } from './types.ts';

export function masterStatus(socketPath: string): Promise<MasterStatus> {
  return call({ socketPath, method: 'GET', path: '/v1/status', expect: isMasterStatus, timeoutMs: 10_000 });
}

export function masterReload(socketPath: string, request: ReloadRequest, onEvent?: (event: ReloadEvent) => void): Promise<ReloadResult> {
  return call({
    socketPath, method: 'POST', path: '/v1/reload', body: request, expect: isReloadResult,
    onEvent: onEvent && ((event) => onEvent(event as ReloadEvent)),
  });
}

export function masterCheck(socketPath: string): Promise<CheckResult> {
  return call({ socketPath, method: 'POST', path: '/v1/check', body: {}, expect: isCheckResult, timeoutMs: 120_000 });
}
