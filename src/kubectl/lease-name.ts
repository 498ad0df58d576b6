// Pure: the rollout Lease a Deployment's sidecars coordinate through, read from its Pod template:
// the sidecar's `--rollout-lease NAME` (or `--rollout-lease=NAME`) in any container's command or
// args. The template is what every current and future pod of the Deployment runs, so this finds
// the Lease whatever the release's fullname is; a template without the flag has no rollout.
import type { V1PodSpec } from '@kubernetes/client-node';

const FLAG = '--rollout-lease';

export function rolloutLeaseName(spec: V1PodSpec | undefined): string | null {
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    const argv = [...(c.command ?? []), ...(c.args ?? [])];
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === FLAG && argv[i + 1]) return argv[i + 1]!;
      if (arg.startsWith(`${FLAG}=`) && arg.length > FLAG.length + 1) return arg.slice(FLAG.length + 1);
    }
  }
  return null;
}
