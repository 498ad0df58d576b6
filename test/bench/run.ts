// `npm run bench`: runs every suite in one invocation, writes test/bench/results.json
// and the table in test/bench/README.md. Not part of `npm test`.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../helpers/master.ts';
import { engineSuite } from './engine.ts';
import { nginxSuite } from './nginx.ts';
import { machine, markdown, type SuiteResult } from './lib.ts';

const quick = process.argv.includes('--quick');
const runs = quick ? 5 : 30;
const reloads = quick ? 5 : 20;

const results: SuiteResult[] = [];
for (const [name, suite] of [['engine', () => engineSuite({ runs, reloads })], ['nginx', () => nginxSuite({ runs, reloads })]] as const) {
  process.stderr.write(`bench: ${name}…\n`);
  results.push(await suite());
}
const when = new Date().toISOString();
const command = `npm run bench${quick ? ' -- --quick' : ''}`;
await writeFile(join(ROOT, 'test/bench/results.json'), JSON.stringify({ when, command, machine: machine(), results }, null, 2) + '\n');
const table = markdown(results, command, when);
await writeFile(join(ROOT, 'test/bench/README.md'), table);
process.stdout.write(table);
