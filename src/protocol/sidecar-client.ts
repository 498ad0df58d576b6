// Typed calls to the sidecar's control socket, used by the CLI.
import { call } from './client.ts';
import { isSidecarStatus, isSyncResult, type SidecarStatus, type SyncRequest, type SyncResult } from './sidecar.ts';

export function sidecarStatus(socketPath: string): Promise<SidecarStatus> {
  return call({ socketPath, method: 'GET', path: '/v1/status', expect: isSidecarStatus, timeoutMs: 15_000 });
}

/** Re-read the source, check, publish, reload; a sync waits for the master's cycle to finish. */
export function sidecarSync(socketPath: string, request: SyncRequest, timeoutMs = 300_000): Promise<SyncResult> {
  return call({ socketPath, method: 'POST', path: '/v1/sync', body: request, expect: isSyncResult, timeoutMs });
}
