#!/usr/bin/env bash
# Makes the public images docker-compose.cluster.yml names (besides Horseshoe's own) available
# on a machine that cannot reach Docker Hub: for each one that is neither present nor pullable,
# builds a local stand-in under the same tag from debian:bookworm-slim and Debian's package
# (nats-server 2.9, haproxy 2.6), started the way the public image starts. Prints one line per
# stand-in it builds. Needs a Docker engine with debian:bookworm-slim (docker-base.sh).
set -euo pipefail
say() { echo "cluster images: $*"; }

have() { docker image inspect "$1" >/dev/null 2>&1; }
pullable() { timeout 60 docker pull -q "$1" >/dev/null 2>&1; }

# The machine's extra certificate authorities (a TLS-inspecting egress), so that apt-get in the
# build reaches the package archive the host reaches.
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ca"
cp /usr/local/share/ca-certificates/*.crt "$work/ca/" 2>/dev/null || true

standin() { # TAG PACKAGES DOCKERFILE-TAIL
  local tag=$1 packages=$2 tail=$3
  if have "$tag" || pullable "$tag"; then return 0; fi
  say "building a stand-in for $tag from Debian's $packages"
  cat >"$work/Dockerfile" <<DOCKERFILE
FROM debian:bookworm-slim
COPY ca/ /usr/local/share/ca-certificates/
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      ca-certificates $packages >/dev/null \
 && update-ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/*
$tail
DOCKERFILE
  docker build -q -t "$tag" "$work" >"$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; exit 1; }
}

# nats:2.10-alpine runs `nats-server` with the arguments given (as the compose file does).
standin nats:2.10-alpine "nats-server wget" '
RUN ln -s /usr/sbin/nats-server /usr/local/bin/nats-server
EXPOSE 4222 6222 8222
CMD ["nats-server", "--config", "/etc/nats/nats.conf"]'

# haproxy:2.8 runs as the user haproxy with /usr/local/etc/haproxy/haproxy.cfg.
standin haproxy:2.8 haproxy '
RUN mkdir -p /usr/local/etc/haproxy
USER haproxy
STOPSIGNAL SIGUSR1
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]'
