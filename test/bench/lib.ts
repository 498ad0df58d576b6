// Shared by the benchmark suites: percentiles, a wrk run that can be stopped on an
// event, and the report (results.json + a Markdown table in README.md).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return round(sorted[rank]!);
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** KiB (as /proc reports them) as MiB with one decimal. */
export const mib = (kib: number): string => `${round(kib / 1024, 1)} MiB`;

export interface WrkSummary {
  requests: number;
  connectErrors: number;
  readErrors: number;
  writeErrors: number;
  timeouts: number;
  non2xx: number;
  /** Every request that did not end in a 2xx/3xx answer. */
  failed: number;
}

/** Starts wrk against `url`; `stop()` ends it (SIGINT, as a person would) and parses its summary. */
export function startWrk(url: string, options: { connections: number; threads?: number; close?: boolean }) {
  const args = ['-t', String(options.threads ?? 2), '-c', String(options.connections), '-d', '3600s', '--timeout', '10s', url];
  if (options.close) args.push('-H', 'Connection: close');
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += String(c)));
  return {
    async stop(): Promise<WrkSummary> {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
      return parseWrk(out);
    },
  };
}

export function parseWrk(out: string): WrkSummary {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const [connectErrors, readErrors, writeErrors, timeouts] = socket ? socket.slice(1).map(Number) as [number, number, number, number] : [0, 0, 0, 0];
  const requests = num(/(\d+) requests in/);
  if (!/requests in/.test(out)) throw new Error(`wrk printed no summary:\n${out}`);
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  return { requests, connectErrors, readErrors, writeErrors, timeouts, non2xx, failed: connectErrors + readErrors + writeErrors + timeouts + non2xx };
}

export interface Row {
  measure: string;
  value: string;
  note?: string;
}

export interface SuiteResult {
  suite: string;
  rows: Row[];
  data: Record<string, unknown>;
  /** Paragraphs printed under the table: what the figures rest on, what a miss is made of. */
  notes?: string[];
}

export function machine(): Record<string, unknown> {
  return { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}` };
}

export function markdown(results: readonly SuiteResult[], command: string, when: string): string {
  const m = machine();
  const lines = [
    '# hotcycle benchmarks', '',
    `Produced by \`${command}\` on ${when}: ${m.cores} cores (${m.cpu}), Node ${m.node}.`,
    'Every figure below comes from that one invocation; ratios compare runs made side by side in it.', '',
  ];
  for (const r of results) {
    lines.push(`## ${r.suite}`, '', '| measure | value | note |', '|---|---|---|');
    for (const row of r.rows) lines.push(`| ${row.measure} | ${row.value} | ${row.note ?? ''} |`);
    lines.push('');
    for (const note of r.notes ?? []) lines.push(note, '');
  }
  return lines.join('\n');
}
