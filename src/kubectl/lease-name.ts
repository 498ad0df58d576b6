// Pure: what a Deployment's sidecars are told, read from its Pod template (or a Pod's spec): a
// flag of the sidecar's command line, `--flag VALUE` or `--flag=VALUE`, in any container's command
// or args. The template is what every current and future pod of the Deployment runs, so the
// rollout Lease is found whatever the release's fullname is; a template without the flag has no
// rollout. A Pod without `--pod-annotations` has no sidecar that acts on a requested reload.
import type { V1PodSpec } from '@kubernetes/client-node';

/** The value of `flag` in the first container that gives it, or null. */
export function commandFlag(spec: V1PodSpec | undefined, flag: string): string | null {
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    const argv = [...(c.command ?? []), ...(c.args ?? [])];
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === flag && argv[i + 1]) return argv[i + 1]!;
      if (arg.startsWith(`${flag}=`) && arg.length > flag.length + 1) return arg.slice(flag.length + 1);
    }
  }
  return null;
}

export function rolloutLeaseName(spec: V1PodSpec | undefined): string | null {
  return commandFlag(spec, '--rollout-lease');
}
