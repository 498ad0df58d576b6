#!/usr/bin/env bash
# Benchmarks (not part of npm test): same set-up as the tests, then test/bench/run.ts.
source "$(dirname "$0")/lib/env.sh"
ensure_debian nginx wrk
ensure_build
# The fast-path suite runs a real control plane and installs the chart: the components (built
# once, cached in .tools/cluster) and real helm/kubectl.
source scripts/lib/cluster.sh; ensure_cluster
source scripts/lib/k8s-tools.sh; ensure_k8s_tools
# The edit-to-serving suite runs the chart's pods under a real kubelet (as
# test/cluster/kubelet-pod.test.ts does): the images and the node's runtime.
source scripts/lib/containers.sh; ensure_containers; ensure_base_images; ensure_images
source scripts/lib/kubelet.sh; ensure_kubelet_runtime
# PM2, for the side-by-side comparison only: into the gitignored .tools/, never package.json.
if [ ! -f .tools/pm2/node_modules/pm2/bin/pm2 ]; then
  log "installing pm2 into .tools/pm2 (bench only)"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$ROOT/.tools/pm2" pm2@7 >&2
fi
# 10 000 idle connections (scale suite) need as many descriptors in this process and its workers.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec node test/bench/run.ts "$@"
