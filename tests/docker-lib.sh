# Shared by tests/docker.sh and tests/cluster.sh (sourced, after each defines `say`): a Docker
# engine (through ../shared/tools/docker-base.sh, HORSESHOE_DOCKER_BASE to name another, where it
# is there), or "skipped: no Docker engine" and exit 0; then `compose`, the compose command:
# `docker compose` (the plugin) or Debian's `docker-compose`, installed when neither is there.

docker_base=${HORSESHOE_DOCKER_BASE:-../shared/tools/docker-base.sh}
if [ -x "$docker_base" ]; then
  if [ -n "${DOCKER_BASE_QUIET:-}" ]; then "$docker_base" >/dev/null || true; else "$docker_base" || true; fi
fi
if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  say "skipped: no Docker engine"
  exit 0
fi

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  say "installing docker-compose (apt)"
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
  compose=(docker-compose)
fi
