export const HELP = `kubectl hotcycle: the fleet view of a hotcycle Deployment, its rollout, and reloads without exec.

Usage:
  kubectl hotcycle status deploy/NAME [-n NS] [--json]
  kubectl hotcycle rollout pause deploy/NAME [-n NS]
  kubectl hotcycle rollout resume deploy/NAME [-n NS]
  kubectl hotcycle rollout abort deploy/NAME [-n NS] [--reason TEXT]
  kubectl hotcycle reload pod/NAME|deploy/NAME [-n NS] [--timeout 60s | --no-wait]

status prints one row per pod of the Deployment (the Pods its selector matches):
  POD          the pod's name
  VERSION      the config hash it runs (12 characters; annotation hotcycle.dev/config-hash)
  GEN          its master's generation (hotcycle.dev/generation)
  LAST RESULT  "reloaded 3m ago" (hotcycle.dev/reloaded-at), or "failed: …", the newer
               hotcycle.dev/last-failure line, shortened; "(running last good)" when the pod
               serves the release's last good config (hotcycle.dev/running-last-good)
  ROLE         in the fleet rollout: canary, in slot (a wave), applied (runs the version being
               rolled out), waiting (does not yet), or - (no rollout)
  APPLIED      the Pod's hotcycle.dev/config-applied condition, status and reason: "True
               Applied", "True Held" (serves the version before while waiting for its turn),
               "False ReloadFailed" (cannot serve what the release serves), or - (not set yet)
  READY        the Pod's Ready condition
  AGE          since the Pod was created
then the rollout: its phase (canary, baking, waves, done, aborted; idle before the first
version), the version, "paused", and each version marked bad with the reason. Without a
rollout (one replica, or the chart's rollout.enabled=false) it says "rollout: off".
  --json       the same, as one JSON object (whole hashes, timestamps)

rollout pause|resume sets "paused" in the rollout's state. A paused rollout starts, takes and
ends nothing: no pod starts a new version, takes the canary role or a wave slot, or ends it;
pods holding a role keep renewing it and a harmed pod still rolls back.

rollout abort marks the version in flight bad, as a harmed canary does: the rollout's phase
becomes aborted, every pod that applied the version goes back to the one it ran before (an
ordinary reload) and no other pod applies it. The reason recorded is "aborted by USER via
kubectl: TEXT" (USER: the current context's user in the kubeconfig). With nothing in flight
(no rollout yet, or it is done or aborted) it changes nothing and exits 1. The next ConfigMap
version starts a new rollout.
  --reason TEXT  why, for the Lease and 'status'

Every write to the rollout is a compare-and-swap on the Lease's resourceVersion, retried when
another writer (a sidecar) came first. The Lease is the one the Deployment's sidecars are told
to use: the "--rollout-lease NAME" argument in the Deployment's Pod template (the chart's is
<fullname>-rollout). Read from the template, it is right whatever the release is called;
without that argument the Deployment has no rollout.

reload asks the pod's sidecar for what 'kubectl exec POD -c hotcycle -- hotcycle reload' does
(re-read the source, check it, reload even when unchanged), for a user without exec rights.
It sets the Pod annotation hotcycle.dev/reload-requested to the time; the sidecar sees it in
the Pod's annotations file (downward API, the chart's --pod-annotations), runs the reload and
acknowledges it (hotcycle.dev/last-reload-request, with the outcome in
hotcycle.dev/last-reload-outcome; an Event ReloadRequested). The plugin waits for that and
prints one line per pod. deploy/NAME asks every pod of the Deployment at once. kubelet rewrites
the annotations file when it syncs the Pod, which the Pod's update triggers: the reload starts
about a second later (0.6-1.2 s measured under kubelet 1.35), at the latest after kubelet's
periodic sync (a minute by default).
  --timeout D    how long to wait for the answers (default 60s; 90, 90s, 2m, 500ms)
  --no-wait      set the annotation and exit

Options:
  -n, --namespace NS   the namespace (default: the current context's, else default)
  --kubeconfig FILE    the kubeconfig (default: $KUBECONFIG, else ~/.kube/config)
  -h, --help           this help

Exit status: 0 done; 1 failed (e.g. the Deployment does not exist, no rollout to pause,
nothing in flight to abort, a reload that failed or got no answer in time); 2 usage error.

RBAC the user needs, in the namespace:
  apps                 deployments  get            (status, rollout, reload deploy/NAME)
  ""                   pods         list           (status, reload deploy/NAME)
  coordination.k8s.io  leases       get            (status)
  coordination.k8s.io  leases       get, update    (rollout pause|resume|abort)
  ""                   pods         patch          (reload)
  ""                   pods         get            (reload, to wait; not with --no-wait)

Installed as "kubectl-hotcycle" on PATH (npm's bin), kubectl finds it as a plugin.
`;
