#!/usr/bin/env node
// `kubectl-hotcycle`: the kubectl plugin (kubectl finds it on PATH as `kubectl hotcycle`).
// Only wiring: parse (args.ts), do (kube.ts), print (view.ts); exit 0, 1 on failure, 2 on usage.
import { UsageError } from '../cli/command.ts';
import { parseInvocation } from './args.ts';
import { HELP } from './help.ts';
import { buildView, formatView } from './view.ts';

const DEADLINE_MS = 30_000;

async function main(argv: string[]): Promise<number> {
  const invocation = parseInvocation(argv);
  if (invocation.kind === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const { connect, readFleet, setPaused } = await import('./kube.ts');
  const signal = AbortSignal.timeout(DEADLINE_MS);
  const c = await connect(invocation);
  if (invocation.kind === 'status') {
    const view = buildView(await readFleet(c, invocation.deployment, signal), Date.now());
    process.stdout.write(invocation.json ? `${JSON.stringify(view, null, 2)}\n` : `${formatView(view)}\n`);
    return 0;
  }
  const paused = invocation.kind === 'pause';
  const { lease } = await setPaused(c, invocation.deployment, paused, signal);
  process.stdout.write(`rollout of deployment ${c.namespace}/${invocation.deployment} ${paused ? 'paused' : 'resumed'} (Lease ${lease})\n`);
  return 0;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  process.stderr.write(`kubectl-hotcycle: error: ${(error as Error).message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
