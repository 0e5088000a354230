#!/usr/bin/env bash
# Runs every test of Horseshoe: formatting, lints, the Rust unit and end-to-end tests, the
# TypeScript check of the browser client, the browser tests in real Chromium, and the container
# and cluster tests (skipped, and said so, where no Docker engine can run).
# Installs what it needs when it is missing (Debian's chromium and fonts, Debian's nats-server
# for the tests of rooms in NATS JetStream, the npm packages), so it passes on a machine that has
# only the Rust toolchain, Node.js and apt.
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi dejavu; then
  step "installing chromium and fonts (apt)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core fonts-liberation >/dev/null
fi

# Debian puts nats-server in /usr/sbin, which is not on every PATH (the tests look there too).
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  step "installing nats-server (apt)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo clippy -p horseshoe-tests --all-targets --features bench-relay --quiet -- -D warnings
# The lean build, without NATS (cargo feature `nats`), stays whole too.
cargo clippy -p horseshoe --no-default-features --all-targets --quiet -- -D warnings

step "cargo test"
cargo test --workspace --quiet

# Issue 15: the workshop suite again, against two nodes serving every room through one NATS
# server (the fixtures start both), consecutive clients of a room landing on different nodes.
# Left out, being about one node by nature: its limits, defences and metrics (http_limits,
# hostile, slow, idle), its SQLite files and their formats (store, upgrade, crash, shutdown), the
# allocation budget, and the tests of NATS and clusters themselves (nats, cluster).
if command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; then
  step "the workshop suite against a 2-node cluster"
  HORSESHOE_TEST_NODES=2 cargo test -p horseshoe-tests --quiet \
    --test room_flow --test steps23 --test report --test resume --test together --test admission
fi

# The allocation budget (tests/tests/alloc_budget.rs against tests/alloc-budget.json):
# allocations counted per applied command and per delivered frame, not timed, so stable here.
# Fan-out is counted through the bench-only relay route, which the default build leaves out.
step "allocation budget"
cargo test -p horseshoe-tests --features bench-relay --quiet --test alloc_budget

step "load smoke run: scenario 1 in small, nothing lost or reordered (no speed checked)"
cargo build --quiet -p horseshoe -p horseshoe-tests --bin horseshoe --bin horseshoe-load
smoke_dir=$(mktemp -d)
target/debug/horseshoe --bind 127.0.0.1:18180 --data-dir "$smoke_dir" > /dev/null 2>&1 &
smoke_pid=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/18180) 2>/dev/null && break; sleep 0.1; done
target/debug/horseshoe-load --addr 127.0.0.1:18180 --server-pid "$smoke_pid" --rooms 10 --clients 10 \
  --rate 2 --previews 5 --warmup 1 --duration 4 --check --label "smoke: scenario 1, small" || smoke_failed=1
kill "$smoke_pid"; wait "$smoke_pid" 2>/dev/null || true; rm -rf "$smoke_dir"
[ -z "${smoke_failed:-}" ]

step "typescript check of the browser client"
npx --no-install tsc -p web/tsconfig.json

step "browser client: vendored modules match the locked npm packages, pure modules"
node --test tests/web/

cargo build --quiet -p horseshoe
export HORSESHOE_BIN="$PWD/target/debug/horseshoe"

# A client written only from protocol/README.md keeps its own copy of the room from the
# documented events and must equal a fresh welcome at every checkpoint: the document is complete.
step "an independent client, written from protocol/README.md alone"
node --experimental-websocket --test --test-timeout=300000 --test-force-exit tests/independent/

step "browser tests (chromium)"
# A test (or a before/after hook, or a whole file) that waits for something that never comes
# fails after this long, with what it waited for, instead of holding the run until CI gives up
# on it; the longest file takes about a minute here. A file whose tests are done exits even if
# something it started still holds its event loop (node waits for ever otherwise).
browser_test_timeout_ms=600000
node --test --test-concurrency=1 --test-timeout="$browser_test_timeout_ms" --test-force-exit tests/browser/

step "container test (docker)"
tests/docker.sh

step "cluster test (docker compose: three NATS servers, three nodes, HAProxy)"
tests/cluster.sh
