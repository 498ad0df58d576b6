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

export type Invocation =
  | { kind: 'help' }
  | ({ kind: 'status'; json: boolean } & Target)
  | ({ kind: 'pause' | 'resume' } & Target);

const OPTIONS = {
  kubeconfig: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const KINDS = new Set(['deploy', 'deployment', 'deployments', 'deployment.apps', 'deployments.apps']);
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** `deploy/NAME` → NAME. */
export function deploymentName(ref: string): string {
  const slash = ref.indexOf('/');
  const kind = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  if (slash < 0 || !KINDS.has(kind)) throw new UsageError(`expected deploy/NAME, got ${JSON.stringify(ref)} (see: kubectl hotcycle --help)`);
  if (!NAME.test(name) || name.length > 253) throw new UsageError(`${JSON.stringify(name)} is not a Deployment name (see: kubectl hotcycle --help)`);
  return name;
}

export function parseInvocation(argv: readonly string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see: kubectl hotcycle --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0 || positionals[0] === 'help') return { kind: 'help' };
  const target = (ref: string | undefined): Target => {
    if (ref === undefined) throw new UsageError('missing deploy/NAME (see: kubectl hotcycle --help)');
    return { kubeconfig: values.kubeconfig, namespace: values.namespace, deployment: deploymentName(ref) };
  };
  const [command, ...rest] = positionals;
  if (command === 'status') {
    if (rest.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(rest[1])} (see: kubectl hotcycle --help)`);
    return { kind: 'status', json: values.json ?? false, ...target(rest[0]) };
  }
  if (command === 'rollout') {
    const [action, ref, extra] = rest;
    if (action !== 'pause' && action !== 'resume') throw new UsageError(`expected rollout pause|resume, got ${JSON.stringify(action ?? '')} (see: kubectl hotcycle --help)`);
    if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)} (see: kubectl hotcycle --help)`);
    if (values.json) throw new UsageError('--json is for status (see: kubectl hotcycle --help)');
    return { kind: action, ...target(ref) };
  }
  throw new UsageError(`unknown command ${JSON.stringify(command)}: expected status or rollout (see: kubectl hotcycle --help)`);
}
