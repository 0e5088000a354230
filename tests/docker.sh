#!/usr/bin/env bash
# The container test: checks that the compose file parses, builds the image from the Dockerfile,
# runs it on a volume of its own, checks /healthz and the image's own health command, creates a
# room over HTTP and joins it over WebSocket (the facilitator writes a check-in), stops the
# container with SIGTERM (the server must end by itself, exit code 0), starts it again and checks
# that the room and its check-in are still there, then does the same with a fresh container on
# the same volume.
#
# Needs a Docker engine that has (or can pull) the two base images the Dockerfile names. Where
# Docker Hub is not reachable, ../shared/tools/docker-base.sh (HORSESHOE_DOCKER_BASE to name
# another) starts an engine where it can and prepares local stand-ins; this script runs it when it
# is there. Without an engine the test says "skipped: no Docker engine" and succeeds.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'docker test: %s\n' "$*"; }

# shellcheck source=tests/docker-lib.sh
source tests/docker-lib.sh
"${compose[@]}" --file docker-compose.yml config --quiet
say "docker-compose.yml parses (${compose[*]} config)"

# One tag for every run, so that the next build reuses this one's layers (the dependencies).
tag=horseshoe-test:latest
name="horseshoe-test-$$"
volume="horseshoe-test-data-$$"
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$volume" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The WebSocket client that checks the container from outside.
cargo build --quiet -p horseshoe-tests --bin horseshoe-probe
probe=target/debug/horseshoe-probe

say "building the image"
started=$SECONDS
build_log=$(mktemp)
if ! docker build --tag "$tag" . >"$build_log" 2>&1; then
  tail -40 "$build_log" >&2
  rm -f "$build_log"
  say "the image did not build" >&2
  exit 1
fi
rm -f "$build_log"
say "built in $((SECONDS - started)) s, $(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%d MB", $1 / 1e6}')"

# The address the container's port 8080 is published at on this machine.
address() { docker port "$name" 8080/tcp | grep -m1 -E '^(127\.0\.0\.1|0\.0\.0\.0):' | sed 's/^0\.0\.0\.0/127.0.0.1/'; }

# Waits until /healthz answers 200 (the published port changes when the container restarts).
wait_healthy() {
  for _ in $(seq 120); do
    if addr=$(address 2>/dev/null) && [ -n "$addr" ] && curl -fsS "http://$addr/healthz" >/dev/null 2>&1; then
      echo "$addr"
      return 0
    fi
    sleep 0.5
  done
  docker logs "$name" >&2 || true
  say "the container never answered /healthz" >&2
  return 1
}

run() { docker run --detach --name "$name" --publish 127.0.0.1::8080 --volume "$volume:/data" "$tag" >/dev/null; }

docker volume create "$volume" >/dev/null
run
addr=$(wait_healthy)
say "healthy at $addr"
docker exec "$name" horseshoe health
say "the image's health command answers"
[ "$(docker exec "$name" id -u)" != 0 ] || { say "the server runs as root" >&2; exit 1; }

read -r room key < <("$probe" create "$addr")
say "room $room created over HTTP and joined over WebSocket, check-in written"

# The server is PID 1 in the container: it must end on SIGTERM by itself, before `docker stop`
# gives up and kills it (exit code 137).
started=$SECONDS
docker stop --time 10 "$name" >/dev/null
code=$(docker inspect --format '{{.State.ExitCode}}' "$name")
[ "$code" = 0 ] || { docker logs --tail 20 "$name" >&2; say "SIGTERM ended the server with exit code $code" >&2; exit 1; }
say "stopped by SIGTERM in $((SECONDS - started)) s, exit code 0"
docker start "$name" >/dev/null
addr=$(wait_healthy)
say "restarted, healthy at $addr"
"$probe" check "$addr" "$room" "$key"

docker rm -f "$name" >/dev/null
run
addr=$(wait_healthy)
say "a fresh container on the same volume, healthy at $addr"
"$probe" check "$addr" "$room" "$key"
say "passed"
