#!/usr/bin/env bash
# The node runtime of the kubelet test (test/cluster/kubelet-pod.test.ts,
# test/helpers/cluster/node.ts): a real kubelet (built by scripts/lib/cluster.sh) runs the
# chart's pods through Debian's containerd and runc. What no Debian package has is built here:
#   - the CNI plugins loopback, ptp and host-local, from the Go module proxy
#     (github.com/containernetworking/plugins, pinned below);
#   - the pod sandbox ("pause") image: test/cluster/kubelet/pause.c compiled static, packed
#     FROM scratch by buildah as an OCI archive tagged registry.k8s.io/pause:3.10 (no registry
#     is reachable here, so nothing is pulled).
#
#   bash scripts/lib/kubelet.sh                          build when missing, print the directory
#   source scripts/lib/kubelet.sh; ensure_kubelet_runtime     same, and export HOTCYCLE_KUBELET_RUNTIME
#   unshare --mount --propagation private bash scripts/lib/kubelet.sh node-namespace DIR
#                                                        the node's mount namespace (see node_namespace)
#
# The cache is .tools/kubelet/<key>, where <key> hashes pause.c, the plugins' version and the Go
# version. First build: ~10 s (plugins) on 2 cores; later runs reuse it.
KUBELET_CNI_PLUGINS_VERSION=v1.9.1
KUBELET_PAUSE_IMAGE=registry.k8s.io/pause:3.10

ensure_kubelet_runtime() {
  local root key dir
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  kubelet_debian containerd runc buildah podman gcc libc6-dev iproute2 socat || return 1
  key=$(cat "$root/test/cluster/kubelet/pause.c" <(echo "$KUBELET_CNI_PLUGINS_VERSION $KUBELET_PAUSE_IMAGE") <(go env GOVERSION) | sha256sum | cut -c1-16)
  dir="$root/.tools/kubelet/$key"
  if [ ! -f "$dir/.complete" ]; then
    kubelet_log "building the kubelet node runtime into .tools/kubelet/$key (CNI plugins $KUBELET_CNI_PLUGINS_VERSION, pause image)"
    rm -rf "$dir" && mkdir -p "$dir/cni"
    local plugin
    for plugin in plugins/main/loopback plugins/main/ptp plugins/ipam/host-local; do
      # GOTOOLCHAIN=local: never fetch another Go; a version suffix makes `go install` use the
      # plugins' own go.mod/go.sum, checked against the checksum database.
      (cd "$dir" && GOTOOLCHAIN=local GOFLAGS= GOBIN="$dir/cni" CGO_ENABLED=0 \
        go install -trimpath -ldflags '-s -w' "github.com/containernetworking/plugins/$plugin@$KUBELET_CNI_PLUGINS_VERSION") || {
        kubelet_log "FAILED: go install github.com/containernetworking/plugins/$plugin@$KUBELET_CNI_PLUGINS_VERSION"
        return 1
      }
    done
    gcc -static -Os -s -o "$dir/pause" "$root/test/cluster/kubelet/pause.c" || { kubelet_log "FAILED: gcc -static pause.c"; return 1; }
    local ctr
    ctr=$(buildah from scratch) || return 1
    # A working container in buildah's storage only while this runs: the image itself is
    # written to an archive, never into the machine's image store.
    local built=0
    if ! { buildah copy "$ctr" "$dir/pause" /pause >/dev/null &&
      buildah config --entrypoint '["/pause"]' --user 65535:65535 "$ctr" &&
      buildah commit -q "$ctr" "oci-archive:$dir/pause.tar:$KUBELET_PAUSE_IMAGE" >/dev/null; }; then
      built=1
    fi
    buildah rm "$ctr" >/dev/null
    [ "$built" -eq 0 ] || { kubelet_log "FAILED: buildah commit of the pause image"; return 1; }
    touch "$dir/.complete"
  fi
  export HOTCYCLE_KUBELET_RUNTIME="$dir"
}

kubelet_log() { printf '\033[1m[hotcycle setup]\033[0m %s\n' "$*" >&2; }

kubelet_debian() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  kubelet_log "installing Debian packages: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# node_namespace DIR — run as the first process of a new, private mount namespace (unshare);
# containerd and kubelet then join it (nsenter --mount). Inside it, and only there:
#   - the kernel settings kubelet insists on (it writes them when they differ, and they are the
#     whole machine's: vm.overcommit_memory=1, kernel.panic_on_oops=1, ...) read as kubelet
#     wants them, from files bind-mounted over /proc/sys, so it writes nothing;
#   - `iptables`/`ip6tables` fail, so kubelet finds no iptables support and leaves the machine's
#     firewall alone (it would prepend KUBE-FIREWALL to INPUT/OUTPUT; no kube-proxy runs here);
#   - every mount kubelet and containerd make (volumes, netns bind mounts) vanishes with the
#     namespace when the node stops.
# Prints "node namespace ready" and sleeps until killed.
node_namespace() {
  local dir=$1 key file
  mkdir -p "$dir/node-namespace"
  declare -A want=([vm/overcommit_memory]=1 [vm/panic_on_oom]=0 [kernel/panic]=10 [kernel/panic_on_oops]=1
    [kernel/keys/root_maxkeys]=1000000 [kernel/keys/root_maxbytes]=25000000)
  for key in "${!want[@]}"; do
    file="$dir/node-namespace/${key//\//.}"
    echo "${want[$key]}" >"$file"
    mount --bind "$file" "/proc/sys/$key"
  done
  file="$dir/node-namespace/iptables"
  printf '#!/bin/sh\necho "iptables: not available to the test node (scripts/lib/kubelet.sh)" >&2\nexit 1\n' >"$file"
  chmod +x "$file"
  for key in iptables ip6tables; do
    local path
    path=$(command -v "$key") && mount --bind "$file" "$path"
  done
  echo "node namespace ready"
  exec sleep infinity
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    node-namespace) node_namespace "$2" ;;
    "") ensure_kubelet_runtime; printf '%s\n' "$HOTCYCLE_KUBELET_RUNTIME" ;;
    *) echo "usage: $0 [node-namespace DIR]" >&2; exit 2 ;;
  esac
fi
