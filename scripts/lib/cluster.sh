#!/usr/bin/env bash
# Kubernetes' own control plane for the cluster tests, built from the Go module proxy:
# kube-apiserver, kube-controller-manager, kube-scheduler and kubelet from k8s.io/kubernetes
# (test/cluster/kube: one `replace` per staging module), etcd from go.etcd.io/etcd
# (test/cluster/etcd: the server's own etcdmain). No binary is downloaded: the machine's Go
# compiles them, which takes many minutes the first time on 2 cores (README, "Cluster tests").
#
#   bash scripts/lib/cluster.sh                    build when missing, print the bin directory
#   source scripts/lib/cluster.sh; ensure_cluster  same, and export HOTCYCLE_CLUSTER_BIN
#
# The cache is .tools/cluster/<key>/bin, where <key> hashes the two modules' go.mod/go.sum and
# the Go version: a pin change builds anew, a second run reuses it. Go's own build cache
# (~/.cache/go-build) makes a rebuild after a pin change mostly a link.
CLUSTER_COMPONENTS="kube-apiserver kube-controller-manager kube-scheduler kubelet"

ensure_cluster() {
  local root key dir
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  key=$(cat "$root"/test/cluster/kube/go.{mod,sum} "$root"/test/cluster/etcd/go.{mod,sum} <(go env GOVERSION) | sha256sum | cut -c1-16)
  dir="$root/.tools/cluster/$key"
  if [ ! -f "$dir/bin/.complete" ]; then
    cluster_log "building the Kubernetes control plane into .tools/cluster/$key (first build: ~11 min on 2 cores)"
    mkdir -p "$dir/bin"
    for component in $CLUSTER_COMPONENTS; do
      cluster_build "$root/test/cluster/kube" "$dir/bin/$component" "k8s.io/kubernetes/cmd/$component" || return 1
    done
    cluster_build "$root/test/cluster/etcd" "$dir/bin/etcd" . || return 1
    touch "$dir/bin/.complete"
  fi
  export HOTCYCLE_CLUSTER_BIN="$dir/bin"
}

cluster_log() { printf '\033[1m[hotcycle setup]\033[0m %s\n' "$*" >&2; }

# The version a release build stamps (hack/lib/version.sh): helm's kubeVersion check and the
# version skew rules read it; without it the binaries say v0.0.0-master.
cluster_ldflags() {
  local version major minor
  version=$(awk '/^[[:space:]]*\/\//{ next } { for (i = 1; i < NF; i++) if ($i == "k8s.io/kubernetes") { print $(i + 1); exit } }' "$1/go.mod")
  local flags="-s -w"
  if [ -z "$version" ]; then printf '%s' "$flags"; return; fi
  IFS=. read -r major minor _ <<<"${version#v}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  printf '%s' "$flags"
}

# cluster_build MODULE_DIR OUTPUT PACKAGE: one binary, its build time said when done.
cluster_build() {
  local started=$SECONDS
  [ -x "$2" ] && return 0
  cluster_log "  go build $3 ..."
  # GOTOOLCHAIN=local: never fetch another Go; GOFLAGS=-mod=readonly: the committed go.sum is the pin.
  (cd "$1" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly go build -trimpath -ldflags "$(cluster_ldflags "$1")" -o "$2.tmp" "$3") || {
    cluster_log "  FAILED: go build $3 (in ${1#"$PWD"/})"
    return 1
  }
  mv "$2.tmp" "$2"
  cluster_log "  built $(basename "$2") in $((SECONDS - started)) s"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  ensure_cluster
  printf '%s\n' "$HOTCYCLE_CLUSTER_BIN"
fi
