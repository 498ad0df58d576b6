// `npm run bench`: runs every suite in one invocation, writes test/bench/results.json
// and the table in test/bench/README.md. Not part of `npm test`.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../helpers/master.ts';
import { engineSuite } from './engine.ts';
import { fastPathSuite } from './fastpath.ts';
import { nginxSuite } from './nginx.ts';
import { reportSuite } from './report.ts';
import { scaleSuite } from './scale.ts';
import { sidecarSuite } from './sidecar.ts';
import { machine, markdown, type SuiteResult } from './lib.ts';

const quick = process.argv.includes('--quick');
const runs = quick ? 5 : 30;
const reloads = quick ? 5 : 20;

const suites: [string, () => Promise<SuiteResult>][] = [
  ['engine', () => engineSuite({ runs, reloads })],
  ['nginx', () => nginxSuite({ runs, reloads })],
  ['sidecar', () => sidecarSuite({ runs: quick ? 3 : 20, updates: quick ? 20 : 100 })],
  ['report', () => reportSuite({ reloads: quick ? 2 : 10, edits: quick ? 3 : 10, settleMs: quick ? 1000 : 5000, idleWindowMs: quick ? 2000 : 10_000 })],
  ['fast path', () => fastPathSuite({ edits: quick ? 5 : 20 })],
  ['scale', () => scaleSuite({ runs: quick ? 2 : 10, workerRuns: quick ? 1 : 3, workers: quick ? 8 : 64, listeners: 50, connections: quick ? 1000 : 10_000 })],
];
const results: SuiteResult[] = [];
for (const [name, suite] of suites) {
  process.stderr.write(`bench: ${name}…\n`);
  results.push(await suite());
}
const when = new Date().toISOString();
const command = `npm run bench${quick ? ' -- --quick' : ''}`;
await writeFile(join(ROOT, 'test/bench/results.json'), JSON.stringify({ when, command, machine: machine(), results }, null, 2) + '\n');
const table = markdown(results, command, when);
await writeFile(join(ROOT, 'test/bench/README.md'), table);
process.stdout.write(table);
