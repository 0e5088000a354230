#!/usr/bin/env bash
# WebSocket protocol conformance: runs the Autobahn test cases (driven by the PyPI package
# kosoku) against a test-only echo endpoint built on the server's own WebSocket stack, and
# prints the summary. Not part of ./test.sh (it takes minutes); results are quoted in README.md.
#   tests/autobahn.sh            the server's limits (64 KiB messages: the 9.x cases exceed them)
#   tests/autobahn.sh --big      16 MiB messages, to check the protocol alone
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/autobahn-venv
if [ ! -x "$venv/bin/kosoku" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q kosoku
fi
cargo build -q -p horseshoe-tests --bin echo-server
port=19001
target/debug/echo-server "127.0.0.1:$port" "$@" > /dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 0.5
out=target/autobahn-report
# 12.x and 13.x are permessage-deflate, which Horseshoe does not offer (design: no compression).
"$venv/bin/kosoku" "127.0.0.1:$port" -x '12.*' -x '13.*' -p 2 -o "$out" || true
python3 - "$out" <<'PY'
import json, pathlib, sys, collections
out = pathlib.Path(sys.argv[1])
index = next(out.rglob("index.json"), None)
if index is None:
    print("no index.json in", out); sys.exit(1)
data = json.loads(index.read_text())
counts = collections.Counter()
bad = []
for agent in data.values():
    for case, result in agent.items():
        b = result.get("behavior", "?")
        counts[b] += 1
        if b not in ("OK", "NON-STRICT", "INFORMATIONAL"):
            bad.append((case, b))
print("autobahn:", dict(counts))
for case, b in sorted(bad)[:40]:
    print("  ", case, b)
PY
