#!/usr/bin/env bash
# The cluster test: brings up docker-compose.cluster.yml (three NATS servers with JetStream,
# three Horseshoe nodes, HAProxy in front) under a project name of its own, waits for the load
# balancer's /healthz, checks that every node answers and stores rooms in NATS with three
# replicas, creates a room through the load balancer (joined over WebSocket, a check-in written),
# then kills the node that holds the room with SIGKILL and checks through the load balancer
# that the room is still served, with its check-in, and takes a new write; then kills one NATS
# server of three and checks the same again. Tears everything down (volumes too) at the end.
#
# Needs a Docker engine; the public images the compose file names (nats, haproxy) are replaced
# by local stand-ins built from Debian's packages where they cannot be pulled
# (tests/cluster-images.sh). Without an engine the test says "skipped: no Docker engine" and
# succeeds, like tests/docker.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'cluster test: %s\n' "$*"; }
started_all=$SECONDS

DOCKER_BASE_QUIET=1
# shellcheck source=tests/docker-lib.sh
source tests/docker-lib.sh
"${compose[@]}" --file docker-compose.cluster.yml config --quiet
say "docker-compose.cluster.yml parses (${compose[*]} config)"

tests/cluster-images.sh

# A project, a published port and a /24 of this run's own, so that it runs beside the demo or
# another run: the first 172.31.200-249 network no other Docker network uses.
project="horseshoe-cluster-$$"
export HORSESHOE_LISTEN=127.0.0.1:
used=$(docker network inspect --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}' $(docker network ls -q) 2>/dev/null || true)
for third in $(seq 200 249); do
  net="172.31.$(( (third - 200 + $$) % 50 + 200 ))"
  case " $used " in *" $net.0/"*) continue ;; esac
  export HORSESHOE_CLUSTER_NET=$net
  break
done
[ -n "${HORSESHOE_CLUSTER_NET:-}" ] || { say "no free network in 172.31.200-249.0/24" >&2; exit 1; }

c() { "${compose[@]}" --file docker-compose.cluster.yml --project-name "$project" "$@"; }
logs=$(mktemp)
cleanup() {
  code=$?
  if [ "$code" != 0 ]; then
    c ps >&2 || true
    c logs --no-color --tail 15 >&2 2>/dev/null || true
  fi
  c down -v --remove-orphans >/dev/null 2>&1 || true
  rm -f "$logs"
  exit "$code"
}
trap cleanup EXIT

# The WebSocket client that checks the cluster from outside.
cargo build --quiet -p horseshoe-tests --bin horseshoe-probe
probe=target/debug/horseshoe-probe

say "bringing the cluster up (project $project, network $HORSESHOE_CLUSTER_NET.0/24)"
started=$SECONDS
if ! c up -d --build >"$logs" 2>&1; then
  tail -40 "$logs" >&2
  say "the cluster did not come up" >&2
  exit 1
fi
say "up in $((SECONDS - started)) s (image build included)"

# The container of a service, and a GET on a node's own port from inside it (the image has
# bash, not curl).
container() { c ps -q "$1"; }
node_get() {
  c exec -T "$1" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080
    printf "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" "$0" >&3; cat <&3' "$2"
}

addr=$(c port lb 8080 | sed 's/^0\.0\.0\.0/127.0.0.1/')
started=$SECONDS
until curl -fsS "http://$addr/healthz" >/dev/null 2>&1; do
  [ $((SECONDS - started)) -lt 120 ] || { say "the load balancer never answered /healthz" >&2; exit 1; }
  sleep 1
done
say "the load balancer at $addr answers /healthz after $((SECONDS - started)) s"

# Every node: healthy (its /healthz writes to JetStream), named, on NATS.
for n in 1 2 3; do
  started=$SECONDS
  until c exec -T "node-$n" horseshoe health >/dev/null 2>&1; do
    [ $((SECONDS - started)) -lt 90 ] || { say "node-$n never became healthy" >&2; exit 1; }
    sleep 1
  done
  # Read whole before searching: `grep -q` leaves at the first match, and with pipefail the
  # writer's broken pipe would fail the pipeline.
  metrics=$(node_get "node-$n" /metrics)
  grep -q "^horseshoe_node_info{node=\"node-$n\",store=\"nats\"} 1" <<<"$metrics" \
    || { say "node-$n does not say it is node-$n on NATS" >&2; exit 1; }
done
say "node-1, node-2 and node-3 are healthy and store rooms in NATS JetStream"

# Three replicas of the rooms' stream and buckets, as NATS's monitoring says.
jsz=$(c exec -T node-1 bash -c 'exec 3<>/dev/tcp/nats-1/8222
  printf "GET /jsz?streams=true&config=true HTTP/1.1\r\nHost: nats-1\r\nConnection: close\r\n\r\n" >&3; cat <&3')
for stream in HORSESHOE_ROOMS KV_HORSESHOE_ROOM_RECORDS KV_HORSESHOE_SNAPSHOTS; do
  grep -q "\"name\":\"$stream\"[^}]*\"num_replicas\":3" <<<"$(tr -d ' \n' <<<"$jsz")" \
    || { say "stream $stream does not have 3 replicas" >&2; exit 1; }
done
say "the rooms' stream and both buckets have 3 replicas"

# The load balancer is the proxy the nodes trust.
lb_ip=$(docker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(container lb)")
[ "$lb_ip" = "$HORSESHOE_CLUSTER_NET.10" ] \
  || { say "the load balancer is at $lb_ip, not at the trusted $HORSESHOE_CLUSTER_NET.10" >&2; exit 1; }
say "the load balancer is at $lb_ip, the address HORSESHOE_TRUSTED_PROXIES names"

read -r room key < <("$probe" create "$addr")
say "room $room created through the load balancer, joined over WebSocket, check-in written"

# The node that holds the room (it stays loaded there after the probe leaves).
holder=
for n in 1 2 3; do
  metrics=$(node_get "node-$n" /metrics)
  if grep -q '^horseshoe_rooms_loaded 1' <<<"$metrics"; then holder="node-$n"; fi
done
[ -n "$holder" ] || { say "no node has the room loaded" >&2; exit 1; }
docker kill --signal KILL "$(container "$holder")" >/dev/null
say "killed $holder (SIGKILL), which held the room"

# Through the load balancer at once: a new connection to the dead node is retried on another.
started=$SECONDS
"$probe" check "$addr" "$room" "$key"
"$probe" write "$addr" "$room" "$key" "after $holder was killed"
"$probe" check "$addr" "$room" "$key" "after $holder was killed"
read -r room2 _ < <("$probe" create "$addr")
say "the room is served by another node, and room $room2 was created, $((SECONDS - started)) s after the kill"

# One NATS server of three: a write may be refused while its streams choose new leaders (the
# node does not diverge, it refuses), then writes are acknowledged again.
docker kill --signal KILL "$(container nats-2)" >/dev/null
say "killed nats-2 (SIGKILL)"
started=$SECONDS
until "$probe" write "$addr" "$room" "$key" "after nats-2 was killed" >"$logs" 2>&1; do
  [ $((SECONDS - started)) -lt 60 ] || { cat "$logs" >&2; say "no write acknowledged without nats-2" >&2; exit 1; }
  sleep 1
done
"$probe" check "$addr" "$room" "$key" "after nats-2 was killed"
say "writes acknowledged again $((SECONDS - started)) s after nats-2 was killed"

say "passed in $((SECONDS - started_all)) s"
