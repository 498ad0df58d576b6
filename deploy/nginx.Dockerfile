# syntax=docker/dockerfile:1
# nginx + Node 24 + hotcycle: the main container of the chart's default install, which runs
#   tini -- hotcycle master --driver nginx -- nginx -e stderr -g 'daemon off;' -c /etc/hotcycle/live/nginx.conf
#   npm run images                      builds it as localhost/hotcycle-nginx:dev (scripts/images.sh)
#   docker build -f deploy/nginx.Dockerfile --build-arg HOTCYCLE_IMAGE=registry.example.com/hotcycle:0.1.0 \
#     -t registry.example.com/hotcycle-nginx:0.1.0 .
#
# The hotcycle image (deploy/Dockerfile: node, tini, busybox, the CA bundle, /opt/hotcycle, FROM
# scratch) plus Debian's nginx package with the shared libraries it loads (libssl, libpcre2, zlib,
# libcrypt), gathered by scripts/images/rootfs.sh. Debian's nginx rather than a copied nginx
# binary: one package with its modules and security updates, built for the same glibc that
# Node's official build runs on. The layers of the hotcycle image are shared. Non-root and
# read-only root filesystem work because the chart's nginx.conf writes only under /tmp (an
# emptyDir) and logs to stdout/stderr.
ARG HOTCYCLE_IMAGE=ghcr.io/hotcycle/hotcycle:0.1.0
ARG NODE_IMAGE=node:24-bookworm

# The same base as the hotcycle image's own root filesystem: the same glibc.
FROM ${NODE_IMAGE} AS rootfs
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default
COPY scripts/images/rootfs.sh /usr/local/sbin/rootfs.sh
RUN rootfs.sh /rootfs /usr/sbin/nginx /etc/nginx /usr/share/nginx /var/lib/nginx /var/log/nginx \
 && if [ -d /usr/lib/nginx ]; then rootfs.sh /rootfs /usr/lib/nginx; fi

FROM ${HOTCYCLE_IMAGE}
COPY --from=rootfs /rootfs/ /
USER 1000:1000
EXPOSE 8080
# tini as PID 1 reaps orphans (a worker's own children): Node reaps only its own children.
# `--` ends tini's options: Debian's tini parses every option it sees otherwise.
ENTRYPOINT ["tini", "--", "hotcycle", "master", "--driver", "nginx", "--config-dir", "/etc/hotcycle/live", "--socket", "/run/hotcycle/master.sock", "--"]
CMD ["nginx", "-e", "stderr", "-g", "daemon off;", "-c", "/etc/hotcycle/live/nginx.conf"]
