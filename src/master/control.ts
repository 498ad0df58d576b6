// The master's control API (DESIGN.md §4): the routes, bound to the master.
import type { Route } from '../protocol/server.ts';
import { isCheckRequest, isReloadRequest } from '../protocol/schemas.ts';
import type { ReloadRequest } from '../protocol/types.ts';
import type { Master } from './master.ts';

export function masterRoutes(master: Master): Route[] {
  return [
    { method: 'GET', path: '/v1/status', handle: async () => master.status() },
    {
      method: 'POST', path: '/v1/reload', body: isReloadRequest,
      handle: ({ body, streaming, event }) => master.requestReload(body as ReloadRequest, streaming ? event : undefined),
    },
    { method: 'POST', path: '/v1/check', body: isCheckRequest, handle: () => master.check() },
  ];
}
