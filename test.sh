#!/usr/bin/env bash
# Runs every test of Horseshoe: formatting, lints, the Rust unit and end-to-end tests, the
# TypeScript check of the browser client, and the browser tests in real Chromium.
# Installs what it needs when it is missing (Debian's chromium and fonts, the npm packages), so
# it passes on a machine that has only the Rust toolchain, Node.js and apt.
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

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "cargo test"
cargo test --workspace --quiet

step "typescript check of the browser client"
npx --no-install tsc -p web/tsconfig.json

step "browser tests (chromium)"
cargo build --quiet -p horseshoe
export HORSESHOE_BIN="$PWD/target/debug/horseshoe"
node --test --test-concurrency=1 tests/browser/
