// The built-in nginx check on real configurations (issue 25): the gate's whole check of each case
// of test/fixtures/nginx/real/ (nginx driver), in-process, as `hotcycle check` reports it
// (`durationMs`: wall time around checkFileSet). The largest tree is the one with the most
// bytes; the goal is under 100 ms for it (the median: a shared machine adds its own spikes to the
// tail, which p99 shows). Median and p99 over `runs` checks of each case, after
// one warm-up check (the first call compiles the directive table and the schema).
import { checkFileSet } from '../../src/checks/gate.ts';
import { loadRealCorpus, type RealCase } from '../fixtures/nginx/real/corpus.ts';
import { percentile, round, type SuiteResult } from './lib.ts';

export interface NginxCheckOptions { runs: number }

const GOAL_MS = 100;

async function timeCase(real: RealCase, runs: number): Promise<number[]> {
  const set = new Map([...real.set].map(([name, text]) => [name, Buffer.from(text)]));
  const nginx = real.layout === 'main' ? { main: real.main ?? 'nginx.conf', includeRoots: real.includeRoots ?? [] } : { context: real.context ?? 'http', includeRoots: real.includeRoots ?? [] };
  const once = async (): Promise<number> => {
    const started = performance.now();
    await checkFileSet(set, { driver: 'nginx', nginx });
    return performance.now() - started;
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return times;
}

const bytes = (real: RealCase): number => [...real.set.values()].reduce((n, text) => n + Buffer.byteLength(text), 0);

export async function nginxCheckSuite(options: NginxCheckOptions): Promise<SuiteResult> {
  const corpus = loadRealCorpus();
  const largest = corpus.reduce((a, b) => (bytes(b) > bytes(a) ? b : a));
  const perCase = new Map<string, number>();
  for (const real of corpus) perCase.set(real.id, percentile(await timeCase(real, options.runs), 50));
  const big = await timeCase(largest, options.runs);
  const slowest = [...perCase].reduce((a, b) => (b[1] > a[1] ? b : a));
  const p50 = round(percentile(big, 50), 1);
  const p99 = round(percentile(big, 99), 1);
  return {
    suite: 'nginx check (real configs)',
    rows: [
      { measure: `largest tree: ${largest.id} (${largest.set.size} files, ${round(bytes(largest) / 1024, 1)} KiB)`, value: `p50 ${p50} ms, p99 ${p99} ms`, note: `goal: p50 < ${GOAL_MS} ms, ${p50 < GOAL_MS ? 'met' : 'MISSED'}` },
      { measure: `slowest case (median of ${options.runs})`, value: `${round(slowest[1], 1)} ms`, note: slowest[0] },
      { measure: `all ${corpus.length} cases, median each, summed`, value: `${round([...perCase.values()].reduce((a, b) => a + b, 0), 1)} ms` },
    ],
    data: { largest: largest.id, bytes: bytes(largest), runs: options.runs, largestMs: big, perCaseMedianMs: Object.fromEntries(perCase) },
    notes: ['The gate\'s whole check under the nginx driver (hotcycle.yaml, the nginx grammar, the TLS pairs), as `hotcycle check` times it; the set already in memory.'],
  };
}
