export const HELP = `kubectl hotcycle: the fleet view of a hotcycle Deployment, and pausing its rollout.

Usage:
  kubectl hotcycle status deploy/NAME [-n NS] [--json]
  kubectl hotcycle rollout pause deploy/NAME [-n NS]
  kubectl hotcycle rollout resume deploy/NAME [-n NS]

status prints one row per pod of the Deployment (the Pods its selector matches):
  POD          the pod's name
  VERSION      the config hash it runs (12 characters; annotation hotcycle.dev/config-hash)
  GEN          its master's generation (hotcycle.dev/generation)
  LAST RESULT  "reloaded 3m ago" (hotcycle.dev/reloaded-at), or "failed: …", the newer
               hotcycle.dev/last-failure line, shortened; "(running last good)" when the pod
               serves the release's last good config (hotcycle.dev/running-last-good)
  ROLE         in the fleet rollout: canary, in slot (a wave), applied (runs the version being
               rolled out), waiting (does not yet), or - (no rollout)
  READY        the Pod's Ready condition
  AGE          since the Pod was created
then the rollout: its phase (canary, baking, waves, done, aborted; idle before the first
version), the version, "paused", and each version marked bad with the reason. Without a
rollout (the chart's rollout.enabled=false) it says "rollout: off".
  --json       the same, as one JSON object (whole hashes, timestamps)

rollout pause|resume sets "paused" in the rollout's state. A paused rollout starts, takes and
ends nothing: no pod starts a new version, takes the canary role or a wave slot, or ends it;
pods holding a role keep renewing it and a harmed pod still rolls back. The write is a
compare-and-swap on the Lease's resourceVersion, retried when another writer came first.

The rollout Lease is the one the Deployment's sidecars are told to use: the
"--rollout-lease NAME" argument in the Deployment's Pod template (the chart's is
<fullname>-rollout). Read from the template, it is right whatever the release is called;
without that argument the Deployment has no rollout.

Options:
  -n, --namespace NS   the Deployment's namespace (default: the current context's, else default)
  --kubeconfig FILE    the kubeconfig (default: $KUBECONFIG, else ~/.kube/config)
  -h, --help           this help

Exit status: 0 done; 1 failed (e.g. the Deployment does not exist, no rollout to pause);
2 usage error.

RBAC the user needs, in the Deployment's namespace:
  apps          deployments  get
  ""            pods         list
  coordination.k8s.io  leases  get            (status)
  coordination.k8s.io  leases  get, update    (rollout pause|resume)

Installed as "kubectl-hotcycle" on PATH (npm's bin), kubectl finds it as a plugin.
`;
