// Each fault test records one row of the fault matrix — the fault, what hotcycle must do,
// what it did, and the failed requests of the load it ran under — in the test output:
// `npm test 2>&1 | grep 'fault |'` lists the matrix of a run.
import type { TestContext } from 'node:test';

export interface FaultRow {
  fault: string;
  expected: string;
  observed: string;
  failedRequests: number | string;
}

export function recordFault(t: TestContext, row: FaultRow): void {
  t.diagnostic(`fault | ${row.fault} | ${row.expected} | ${row.observed} | ${row.failedRequests}`);
}
