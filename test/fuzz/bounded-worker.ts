// The worker side of runBounded: import the property module, run the named property, and let
// an exception (with fast-check's report) end the worker with an 'error' event.

import { workerData } from 'node:worker_threads';

const { module, exportName } = workerData as { module: string; exportName: string };
const properties = (await import(module)) as Record<string, unknown>;
const property = properties[exportName];
if (typeof property !== 'function') throw new Error(`${module} has no export ${exportName}`);
property();
