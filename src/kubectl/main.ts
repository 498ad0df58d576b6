#!/usr/bin/env node
// `kubectl-hotcycle`: the kubectl plugin (kubectl finds it on PATH as `kubectl hotcycle`).
// Only wiring: parse (args.ts), do (kube.ts, reload.ts), print (view.ts, request.ts); exit 0,
// 1 on failure, 2 on usage.
import { UsageError } from '../cli/command.ts';
import { parseInvocation, type Invocation } from './args.ts';
import { HELP } from './help.ts';
import { formatReloads, reloadsSucceeded } from './request.ts';
import type { Connection } from './kube.ts';
import { buildView, formatView, SHORT_HASH } from './view.ts';

const DEADLINE_MS = 30_000;

async function main(argv: string[]): Promise<number> {
  const invocation = parseInvocation(argv);
  if (invocation.kind === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const { connect, readFleet, setPaused, abortRollout } = await import('./kube.ts');
  const signal = AbortSignal.timeout(DEADLINE_MS + (invocation.kind === 'reload' && invocation.wait ? invocation.timeoutMs : 0));
  const c = await connect(invocation);
  switch (invocation.kind) {
    case 'status': {
      const view = buildView(await readFleet(c, invocation.deployment, signal), Date.now());
      process.stdout.write(invocation.json ? `${JSON.stringify(view, null, 2)}\n` : `${formatView(view)}\n`);
      return 0;
    }
    case 'pause':
    case 'resume': {
      const paused = invocation.kind === 'pause';
      const { lease } = await setPaused(c, invocation.deployment, paused, signal);
      process.stdout.write(`rollout of deployment ${c.namespace}/${invocation.deployment} ${paused ? 'paused' : 'resumed'} (Lease ${lease})\n`);
      return 0;
    }
    case 'abort': {
      const { lease, state } = await abortRollout(c, invocation.deployment, invocation.reason, signal);
      const bad = state.bad.at(-1)!;
      process.stdout.write(`rollout of deployment ${c.namespace}/${invocation.deployment} aborted: config ${bad.hash.slice(0, SHORT_HASH)} marked bad (${bad.reason}) `
        + `in Lease ${lease}; the pods that applied it roll back, the others never apply it\n`);
      return 0;
    }
    case 'reload':
      return reload(invocation, c, signal);
  }
}

async function reload(invocation: Extract<Invocation, { kind: 'reload' }>, c: Connection, signal: AbortSignal): Promise<number> {
  const { requestReloads } = await import('./reload.ts');
  const request = new Date().toISOString();
  const reloads = await requestReloads(c, invocation, request, signal);
  process.stdout.write(`${formatReloads(reloads, request, invocation.timeoutMs)}\n`);
  return reloadsSucceeded(reloads) ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  process.stderr.write(`kubectl-hotcycle: error: ${(error as Error).message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
