# syntax=docker/dockerfile:1
# nginx + Node 24 + hotcycle: the main container of the chart's default install, which runs
#   tini -- hotcycle master --driver nginx -- nginx -e stderr -g 'daemon off;' -c /etc/hotcycle/live/nginx.conf
#   npm run images                      builds it as localhost/hotcycle-nginx:dev (scripts/images.sh)
#   docker build -f deploy/nginx.Dockerfile --build-arg HOTCYCLE_IMAGE=registry.example.com/hotcycle:0.1.0 \
#     -t registry.example.com/hotcycle-nginx:0.1.0 .
#
# Base: the official node:24 slim image plus Debian's nginx package, rather than the nginx image
# plus a copied node binary: Node's official build needs glibc and libstdc++ of its own
# vintage, which its image guarantees, while Debian's nginx is one apt package with its
# modules and security updates. Non-root and read-only root filesystem work because the
# chart's nginx.conf writes only under /tmp (an emptyDir) and logs to stdout/stderr.
ARG HOTCYCLE_IMAGE=ghcr.io/hotcycle/hotcycle:0.1.0
ARG NODE_SLIM_IMAGE=node:24-bookworm-slim
FROM ${HOTCYCLE_IMAGE} AS hotcycle

FROM ${NODE_SLIM_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx tini \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default
COPY --from=hotcycle /opt/hotcycle/ /opt/hotcycle/
RUN ln -s /opt/hotcycle/hotcycle.mjs /usr/local/bin/hotcycle
USER 1000:1000
EXPOSE 8080
# tini as PID 1 reaps orphans (a worker's own children): Node reaps only its own children.
# `--` ends tini's options: Debian's tini parses every option it sees otherwise.
ENTRYPOINT ["tini", "--", "hotcycle", "master", "--driver", "nginx", "--config-dir", "/etc/hotcycle/live", "--socket", "/run/hotcycle/master.sock", "--"]
CMD ["nginx", "-e", "stderr", "-g", "daemon off;", "-c", "/etc/hotcycle/live/nginx.conf"]
