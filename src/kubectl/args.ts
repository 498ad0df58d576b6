// Pure: the plugin's command line. kubectl passes every argument after `kubectl hotcycle` to
// the plugin, its own flags included: --kubeconfig and -n/--namespace are ours to read.
import { parseArgs } from 'node:util';
import { UsageError } from '../cli/command.ts';

export interface Target {
  kubeconfig: string | undefined;
  /** undefined: the current context's namespace. */
  namespace: string | undefined;
  deployment: string;
}

/** `reload`'s object: one Pod, or every Pod of a Deployment. */
export interface ReloadTarget {
  kubeconfig: string | undefined;
  namespace: string | undefined;
  pods: { kind: 'pod' | 'deploy'; name: string };
  /** Wait for each pod's sidecar to acknowledge (not --no-wait), up to timeoutMs. */
  wait: boolean;
  timeoutMs: number;
}

export type Invocation =
  | { kind: 'help' }
  | ({ kind: 'status'; json: boolean } & Target)
  | ({ kind: 'pause' | 'resume' } & Target)
  | ({ kind: 'abort'; reason: string | undefined } & Target)
  | ({ kind: 'reload' } & ReloadTarget);

export const DEFAULT_TIMEOUT_MS = 60_000;

const OPTIONS = {
  kubeconfig: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  json: { type: 'boolean' },
  reason: { type: 'string' },
  timeout: { type: 'string' },
  'no-wait': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DEPLOY_KINDS = new Set(['deploy', 'deployment', 'deployments', 'deployment.apps', 'deployments.apps']);
const POD_KINDS = new Set(['po', 'pod', 'pods']);
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SEE = '(see: kubectl hotcycle --help)';

/** `KIND/NAME` → its kind (as `kinds` names it) and NAME. */
function objectRef(ref: string, kinds: Record<string, ReadonlySet<string>>, expected: string): { kind: string; name: string } {
  const slash = ref.indexOf('/');
  const kind = Object.keys(kinds).find((k) => kinds[k]!.has(ref.slice(0, slash)));
  const name = ref.slice(slash + 1);
  if (slash < 0 || !kind) throw new UsageError(`expected ${expected}, got ${JSON.stringify(ref)} ${SEE}`);
  if (!NAME.test(name) || name.length > 253) throw new UsageError(`${JSON.stringify(name)} is not a ${kind === 'pod' ? 'Pod' : 'Deployment'} name ${SEE}`);
  return { kind, name };
}

/** `deploy/NAME` → NAME. */
export function deploymentName(ref: string): string {
  return objectRef(ref, { deploy: DEPLOY_KINDS }, 'deploy/NAME').name;
}

/** `--timeout`: `90`, `90s`, `2m`, `500ms` (a bare number is seconds), more than 0. */
export function parseTimeout(text: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text);
  const ms = match ? Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'] : 0;
  if (!match || ms <= 0) throw new UsageError(`--timeout must be a duration above 0 such as 60s, 2m or 500ms, not ${JSON.stringify(text)} ${SEE}`);
  return ms;
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

/** Refuses the flags that belong to other commands than `command`. */
function onlyFlags(values: Values, command: string, allowed: readonly (keyof typeof OPTIONS)[]): void {
  const owners: Partial<Record<keyof typeof OPTIONS, string>> = { json: 'status', reason: 'rollout abort', timeout: 'reload', 'no-wait': 'reload' };
  for (const [flag, owner] of Object.entries(owners)) {
    if (values[flag as keyof Values] !== undefined && !allowed.includes(flag as keyof typeof OPTIONS)) throw new UsageError(`--${flag} is for ${owner}, not ${command} ${SEE}`);
  }
}

function noExtra(extra: string | undefined): void {
  if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)} ${SEE}`);
}

export function parseInvocation(argv: readonly string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} ${SEE}`);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0 || positionals[0] === 'help') return { kind: 'help' };
  const where = { kubeconfig: values.kubeconfig, namespace: values.namespace };
  const target = (ref: string | undefined): Target => {
    if (ref === undefined) throw new UsageError(`missing deploy/NAME ${SEE}`);
    return { ...where, deployment: deploymentName(ref) };
  };
  const [command, ...rest] = positionals;
  if (command === 'status') {
    noExtra(rest[1]);
    onlyFlags(values, 'status', ['json']);
    return { kind: 'status', json: values.json ?? false, ...target(rest[0]) };
  }
  if (command === 'rollout') {
    const [action, ref, extra] = rest;
    if (action !== 'pause' && action !== 'resume' && action !== 'abort') {
      throw new UsageError(`expected rollout pause|resume|abort, got ${JSON.stringify(action ?? '')} ${SEE}`);
    }
    noExtra(extra);
    if (action === 'abort') {
      onlyFlags(values, 'rollout abort', ['reason']);
      return { kind: 'abort', reason: values.reason, ...target(ref) };
    }
    onlyFlags(values, `rollout ${action}`, []);
    return { kind: action, ...target(ref) };
  }
  if (command === 'reload') {
    const [ref, extra] = rest;
    noExtra(extra);
    onlyFlags(values, 'reload', ['timeout', 'no-wait']);
    if (ref === undefined) throw new UsageError(`missing pod/NAME or deploy/NAME ${SEE}`);
    if (values['no-wait'] && values.timeout !== undefined) throw new UsageError(`--timeout is how long to wait: not with --no-wait ${SEE}`);
    const pods = objectRef(ref, { pod: POD_KINDS, deploy: DEPLOY_KINDS }, 'pod/NAME or deploy/NAME') as ReloadTarget['pods'];
    const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseTimeout(values.timeout);
    return { kind: 'reload', ...where, pods, wait: !values['no-wait'], timeoutMs };
  }
  throw new UsageError(`unknown command ${JSON.stringify(command)}: expected status, rollout or reload ${SEE}`);
}
