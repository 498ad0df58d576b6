# Sourced by the scripts in scripts/: brings the toolchain the project needs, idempotently.
#   - Node 24 (the product's target LTS) from the npm registry into .tools/node24 when the
#     machine's node is older; the system's node is never replaced, only shadowed on PATH.
#   - npm dependencies (npm ci when the lockfile changed) and the native addon they build.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

log() { printf '\033[1m[hotcycle setup]\033[0m %s\n' "$*" >&2; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  if [ "$(node_major)" -ge 24 ]; then return; fi
  local dir="$ROOT/.tools/node24"
  if [ ! -x "$dir/node_modules/.bin/node" ]; then
    log "node $(node --version 2>/dev/null || echo missing) is older than 24: installing node@24 into .tools/node24"
    mkdir -p "$dir"
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$dir" node@24 >&2
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
  log "using node $(node --version) from .tools/node24"
}

ensure_deps() {
  local stamp="node_modules/.hotcycle-lock"
  if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
    log "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >&2
    cp package-lock.json "$stamp"
  fi
}

ensure_build() {
  log "building dist/ (native addon + bundle)"
  node scripts/build.ts >&2
}

# Debian packages some tests and the bench drive for real (nginx, haproxy, wrk, socat).
ensure_debian() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing Debian packages: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

ensure_node
# scripts/images.sh needs Node only (the images install their own dependencies).
[ "${HOTCYCLE_ENV_NODE_ONLY:-}" = 1 ] || ensure_deps
