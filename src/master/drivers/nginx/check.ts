// The check phase: the real `nginx -t -q` with nginx's own argv (same prefix, main file and
// -g globals), its `[emerg]` and `[warn]` lines turned into `file:line` diagnostics — without the
// content of Secret files, which nginx quotes (`unknown directive "…"`, `host not found in
// upstream "…"`, `cannot load certificate "…"`): checks/redact.ts, as the sidecar's checks.
//
// Safe for live traffic: kubernetes/kubernetes#48358 saw `nginx -t` with `reuseport` bind a
// second listening socket beside the live one, take a share of new connections, and reset
// them on exit. nginx fixed that upstream (ngx_open_listening_sockets sets SO_REUSEPORT only
// `if (ls[i].reuseport && !ngx_test_config)`, and ignores EADDRINUSE under -t), so on
// nginx 1.22 `-t` binds nothing that is live. test/master/drivers/nginx/check-live.test.ts
// keeps that claim true: checks under load against reuseport listeners, zero failures.
import { constants } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import { redactSecrets } from '../../../checks/redact.ts';
import type { FileSet } from '../../../configset/fileset.ts';
import { formatDiagnostic, type Diagnostic } from '../../../diagnostic.ts';
import { errorMessage, HotcycleError } from '../../../errors.ts';
import { execWithOutput, type ExecResult } from '../../../process/pipes.ts';
import { testArgs, type NginxCommand } from './command.ts';
import { parseLogLine } from './errorlog.ts';
import { parseBuildDefaults, type BuildDefaults } from './layout.ts';

export interface TestOutcome {
  ok: boolean;
  diagnostics: Diagnostic[];
  /** `[warn]` lines: not failures, worth a log line (e.g. a conflicting server name). */
  warnings: Diagnostic[];
}

/** nginx -t's stderr → diagnostics, paths relative to the config dir when inside it. */
export function parseTestOutput(stderr: string, exitCode: number, configDir: string, confPath: string): TestOutcome {
  const diagnostics: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  for (const raw of stderr.split('\n')) {
    const line = parseLogLine(raw);
    if (!line) continue;
    if (line.level === 'warn') warnings.push(toDiagnostic(line.message, configDir, confPath));
    else if (['emerg', 'alert', 'crit', 'error'].includes(line.level)) diagnostics.push(toDiagnostic(line.message, configDir, confPath));
  }
  if (exitCode !== 0 && diagnostics.length === 0) {
    diagnostics.push({ file: shortPath(confPath, configDir), line: 0, column: 0, message: stderr.trim() || `nginx -t exited with code ${exitCode}`, source: 'nginx' });
  }
  return { ok: exitCode === 0, diagnostics, warnings };
}

/** The set nginx tested, and which of its files came from Secret sources (configset/sources.ts secretFilesIn). */
export interface TestedSet {
  files: FileSet;
  secretFiles: readonly string[];
}

export async function runNginxTest(command: NginxCommand, configDir: string, confPath: string, timeoutMs: number, tested: TestedSet): Promise<TestOutcome> {
  const { code, stderr } = await execNginx(command.binary, testArgs(command), timeoutMs);
  const parsed = parseTestOutput(stderr, code, configDir, confPath);
  const redact = (found: Diagnostic[]): Diagnostic[] => redactSecrets(found, tested.files, tested.secretFiles);
  const outcome = { ...parsed, diagnostics: redact(parsed.diagnostics), warnings: redact(parsed.warnings) };
  if (outcome.ok) return outcome;
  const { diagnostics } = outcome;
  const first = diagnostics[0];
  throw new HotcycleError('check', 'ENGINXCHECK', first ? formatDiagnostic(first) : 'nginx -t failed', {
    detail: [...diagnostics.map(formatDiagnostic), `(${[command.binary, ...testArgs(command)].map(quote).join(' ')})`].join('\n'),
  });
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

function toDiagnostic(message: string, configDir: string, confPath: string): Diagnostic {
  const located = /^(.*) in (\/.+?):(\d+)$/.exec(message);
  if (!located) return { file: shortPath(confPath, configDir), line: 0, column: 0, message, source: 'nginx' };
  return { file: shortPath(located[2] ?? '', configDir), line: Number(located[3]), column: 0, message: located[1] ?? message, source: 'nginx' };
}

function shortPath(path: string, configDir: string): string {
  const inside = relative(configDir, path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}

// Real pipes, not execFile's socketpair: `nginx -t` opens every log file, and
// `access_log /dev/stdout;` cannot be opened on a socket (ENXIO).
async function execNginx(binary: string, args: string[], timeoutMs: number): Promise<{ code: number; stderr: string }> {
  let result: ExecResult;
  try {
    result = await execWithOutput(binary, args, { timeoutMs });
  } catch (error) {
    throw new HotcycleError('check', 'ENGINXEXEC', `cannot run ${binary}: ${errorMessage(error)}`, { cause: error });
  }
  if (result.timedOut) {
    throw new HotcycleError('check', 'ENGINXCHECKTIMEOUT', `nginx -t did not finish within ${timeoutMs} ms`, { detail: result.stderr });
  }
  // Killed by a signal is a failure too (128 + n, as a shell reports it).
  const code = result.exit.code ?? 128 + (result.exit.signal ? constants.signals[result.exit.signal] : 0);
  return { code, stderr: result.stderr };
}

/** The compiled-in prefix, main file and error log (`nginx -V`), which -p/-c/-e override. */
export async function readBuildDefaults(binary: string, timeoutMs = 10_000): Promise<BuildDefaults> {
  const { code, stderr } = await execNginx(binary, ['-V'], timeoutMs);
  if (code !== 0) throw new HotcycleError('check', 'ENGINXEXEC', `${binary} -V exited with code ${code}`, { detail: stderr });
  return parseBuildDefaults(stderr);
}
