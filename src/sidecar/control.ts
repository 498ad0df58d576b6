// The sidecar's control API (DESIGN.md §4) on its own socket: `POST /v1/sync` re-reads the
// source now (with `force`, reloads even when nothing changed) and answers with what happened;
// `GET /v1/status` shows the sidecar's state with the master's.
import type { Route } from '../protocol/server.ts';
import { isSyncRequest, type SidecarStatus, type SyncRequest, type SyncResult } from '../protocol/sidecar.ts';
import type { SyncRequestOptions } from './sync/batch.ts';

/** How long a control sync waits for a master that is not up before answering without it. */
export const CONTROL_WAIT_MS = 30_000;

export interface SidecarControl {
  sync(request: SyncRequestOptions): Promise<SyncResult>;
  status(): Promise<SidecarStatus>;
}

export function sidecarRoutes(sidecar: SidecarControl): Route[] {
  return [
    { method: 'GET', path: '/v1/status', handle: () => sidecar.status() },
    {
      method: 'POST', path: '/v1/sync', body: isSyncRequest,
      handle: ({ body }) => sidecar.sync(controlSync(body as SyncRequest)),
    },
  ];
}

/** A control request as the sync loop takes it: `hotcycle reload`'s, and a reload requested through the Pod annotation. */
export function controlSync(request: SyncRequest): SyncRequestOptions {
  return { origin: 'volume', reason: request.reason ?? 'control sync', force: request.force ?? false, waitMs: CONTROL_WAIT_MS };
}
