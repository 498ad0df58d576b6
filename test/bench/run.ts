// `npm run bench`: runs every suite in one invocation, writes test/bench/results.json
// and the table in test/bench/README.md. Not part of `npm test`.
// `npm run bench -- --suite footprint` (repeatable): only those suites, printed, nothing written;
// `--quick`: fewer runs, shorter windows.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../helpers/master.ts';
import { editToServingSuite } from './edit-to-serving.ts';
import { engineSuite } from './engine.ts';
import { fastPathSuite } from './fastpath.ts';
import { fleetSuite } from './fleet.ts';
import { footprintSuite } from './footprint.ts';
import { nginxSuite } from './nginx.ts';
import { nginxCheckSuite } from './nginx-check.ts';
import { reportSuite } from './report.ts';
import { scaleSuite } from './scale.ts';
import { v8TuningSuite } from './v8-tuning.ts';
import { sidecarSuite } from './sidecar.ts';
import { machine, markdown, type SuiteResult } from './lib.ts';

const quick = process.argv.includes('--quick');
const only = process.argv.flatMap((arg, i) => (process.argv[i - 1] === '--suite' ? [arg] : []));
const runs = quick ? 5 : 30;
const reloads = quick ? 5 : 20;

const suites: [string, () => Promise<SuiteResult>][] = [
  ['engine', () => engineSuite({ runs, reloads })],
  ['nginx', () => nginxSuite({ runs, reloads })],
  ['nginx check', () => nginxCheckSuite({ runs })],
  ['sidecar', () => sidecarSuite({ runs: quick ? 3 : 20, updates: quick ? 20 : 100 })],
  ['report', () => reportSuite({ reloads: quick ? 2 : 10, edits: quick ? 3 : 10, settleMs: quick ? 1000 : 5000, idleWindowMs: quick ? 2000 : 10_000 })],
  ['fast path', () => fastPathSuite({ edits: quick ? 5 : 20, settleMs: quick ? 3000 : 10_000 })],
  // A real kubelet with its default 1 min sync period: about a minute per edit, ~15 min in all.
  ['edit to serving', () => editToServingSuite({ edits: quick ? 3 : 10 })],
  // 4 replicas on a real kubelet: the fleet rollout's defaults against a rollout restart, ~40 s an edit (both ways).
  ['fleet', () => fleetSuite({ edits: quick ? 3 : 10 })],
  ['scale', () => scaleSuite({ runs: quick ? 2 : 10, workerRuns: quick ? 1 : 3, workers: quick ? 8 : 64, listeners: 50, connections: quick ? 1000 : 10_000 })],
  ['footprint', () => footprintSuite({ settleMs: quick ? 3000 : 10_000, windowMs: quick ? 5000 : 10_000, cliRuns: quick ? 10 : 30, reloads: quick ? 200 : 1000 })],
  ['v8 tuning', () => v8TuningSuite({ settleMs: quick ? 3000 : 10_000, reloads: quick ? 200 : 1000, workers: quick ? 8 : 64, workerRuns: quick ? 1 : 3 })],
];
const unknown = only.filter((name) => !suites.some(([suite]) => suite === name));
if (unknown.length) throw new Error(`unknown suite ${unknown.join(', ')}: one of ${suites.map(([name]) => name).join(', ')}`);
const results: SuiteResult[] = [];
for (const [name, suite] of suites) {
  if (only.length && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  results.push(await suite());
}
const when = new Date().toISOString();
const flags = [...only.map((name) => `--suite ${name}`), ...(quick ? ['--quick'] : [])];
const command = `npm run bench${flags.length ? ` -- ${flags.join(' ')}` : ''}`;
const table = markdown(results, command, when);
if (!only.length) {
  await writeFile(join(ROOT, 'test/bench/results.json'), JSON.stringify({ when, command, machine: machine(), results }, null, 2) + '\n');
  await writeFile(join(ROOT, 'test/bench/README.md'), table);
}
process.stdout.write(table);
