#!/usr/bin/env bash
# `npm run images`: builds both images with buildah, offline but for npm's registry and Debian:
#   localhost/hotcycle:dev        deploy/Dockerfile        (the sidecar; hotcycle alone)
#   localhost/hotcycle-nginx:dev  deploy/nginx.Dockerfile  (the chart's default main container)
# both FROM scratch (node, its libraries, tini, busybox, the CA bundle, /opt/hotcycle; see README
# "Images"), gathered in stages on local bases equivalent to node:24-bookworm{,-slim}
# (scripts/lib/containers.sh). Tags: HOTCYCLE_IMAGE, HOTCYCLE_NGINX_IMAGE, HOTCYCLE_PYTHON_IMAGE,
# HOTCYCLE_BASE_SLIM and HOTCYCLE_BASE_FULL override them; the sizes are printed at the end.
#   bash scripts/images.sh            build when the inputs changed (stamp label), else nothing
#   bash scripts/images.sh --force    build anyway (buildah's layer cache still applies)
HOTCYCLE_ENV_NODE_ONLY=1
source "$(dirname "$0")/lib/env.sh"
source "$ROOT/scripts/lib/containers.sh"
ensure_containers
ensure_base_images
ensure_images "${1:-}"
