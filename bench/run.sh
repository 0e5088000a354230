#!/usr/bin/env bash
# The benchmark scenarios of issue 7. Each starts its server(s) in release mode pinned to core 0,
# runs the load generator pinned to core 1, prints the figures, and stops by itself.
#   bench/run.sh workshops|capacity|big-room|idle|join-storm|slow|relays|typing|all
# Every measured run prints the load generator's CPU beside the server's, and a table at the end
# has one line per run with both; a run where the generator used more than 60% of its core, or
# more CPU than the server, is marked generator-bound (its figures measure the generator too);
# one where either process waited for its core more than 5% of the time (other work on the
# machine) is marked noisy; one where 1% of the sends left over 1 ms late is marked late-sends.
# Loopback only. Not part of the test command (CI runs a short smoke run of scenario 1).
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# The relay comparison needs the bench-only relay route, which release builds leave out.
cargo build -q --release -p horseshoe -p horseshoe-tests --features horseshoe/bench-relay \
  --bin horseshoe --bin horseshoe-load --bin relay-baseline --bin horseshoe-typing
BIN=target/release
# The other servers of the relay comparison (uWebSockets.js on Node.js, and Bun), pinned in
# bench/package-lock.json; installed here, never by the test command.
need_relays() {
  [ -d bench/node_modules/@trufflesuite/uws-js-unofficial ] && [ -x bench/node_modules/@oven/bun-linux-x64/bin/bun ] && return
  (cd bench && npm ci --no-audit --no-fund --loglevel=error)
}
data=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$data"; }
trap cleanup EXIT
# One line per measured run (the generator's `summary` lines), for the table at the end.
summaries=$data/summaries
: > "$summaries"

# start_server NAME PORT ARGS...: starts a server pinned to core 0, sets $PID.
start_server() {
  local name=$1 port=$2; shift 2
  case $name in
    horseshoe) taskset -c 0 "$BIN/horseshoe" --bind "127.0.0.1:$port" --data-dir "$data/$port" \
                 --max-connections 60000 --max-connections-per-ip 60000 \
                 --room-create-burst 100000 --new-member-burst 100000 "$@" > /dev/null 2> "$data/$port.log" & ;;
    relay) taskset -c 0 "$BIN/relay-baseline" "127.0.0.1:$port" > /dev/null & ;;
    uws) taskset -c 0 node bench/relays/uws.cjs "$port" > /dev/null & ;;
    bun) taskset -c 0 bench/node_modules/@oven/bun-linux-x64/bin/bun bench/relays/bun.mjs "$port" > /dev/null & ;;
  esac
  PID=$!
  pids+=("$PID")
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return; sleep 0.1; done
  echo "server $name did not start" >&2; exit 1
}
stop_server() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# Runs the load generator on core 1; its summary line goes to the table, the rest is shown.
load() {
  local status=0
  taskset -c 1 "$BIN/horseshoe-load" "$@" > "$data/out" || status=$?
  grep -v '^summary' "$data/out" || true
  grep '^summary' "$data/out" >> "$summaries" || true
  echo
  return "$status"
}
# The table of every measured run so far; with `ratio`, each run's CPU per delivery is also
# given as a multiple of the first run's (the relay baseline in `relays`).
table() {
  [ -s "$summaries" ] || return 0
  echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; server on core 0, load generator on core 1 =="
  echo "   (cpu: % of a core used by server/generator; wait: % of the window each waited for a CPU)"
  awk -F'\t' -v ratio="${1:-}" '
    BEGIN { printf "%-52s %8s %7s %8s %8s %7s %9s %9s  %s\n", "run", "CPU-s/1M", "x first", "p50 ms", "p99 ms", "deliv/s", "cpu s/g", "wait s/g", "verdict" }
    { if (NR == 1) first = $3
      x = (ratio != "" && first > 0) ? sprintf("%.2fx", $3 / first) : "-"
      printf "%-52s %8s %7s %8s %8s %7s %4s/%-4s %4s/%-4s  %s\n", substr($2, 1, 52), $3, x, $4, $5, $6, $7, $8, $9, $10, $11 }' "$summaries"
  : > "$summaries"
  echo
}

workshops() {
  start_server horseshoe 18101
  load --addr 127.0.0.1:18101 --server-pid "$PID" --rooms 100 --clients 20 --rate 2 --previews 5 \
       --duration 20 --label "1 workshops: 100 rooms x 20 clients, 2 moves/s + 5 previews/s each"
  stop_server "$PID"
}
slow() {
  start_server horseshoe 18102
  load --addr 127.0.0.1:18102 --server-pid "$PID" --rooms 100 --clients 20 --rate 2 --previews 5 \
       --duration 20 --stall 0.05 --label "6 slow consumers: scenario 1 with 5% of clients not reading"
  stop_server "$PID"
}
big_room() {
  start_server horseshoe 18103
  load --addr 127.0.0.1:18103 --server-pid "$PID" --rooms 1 --clients 1000 --rate 0.1 --join-rate 50 \
       --duration 20 --label "3 one big room: 1 x 1000 clients, 100 moves/s in total"
  stop_server "$PID"
}
idle() {
  start_server horseshoe 18104
  load --addr 127.0.0.1:18104 --server-pid "$PID" --rooms 1000 --clients 10 --idle \
       --label "4 idle: 10,000 connected participants"
  stop_server "$PID"
}
join_storm() {
  start_server horseshoe 18105
  load --addr 127.0.0.1:18105 --server-pid "$PID" --join-storm 500 --snapshot-kib 200 \
       --label "5 join storm: 500 clients within 1 s, ~200 KiB snapshot"
  stop_server "$PID"
}
# Several people typing into shared texts at once (issue 12): a keystroke's way to the other
# screens of a 20-person room, four writers two to a sentence, 10 keystrokes a second each.
typing() {
  start_server horseshoe 18110
  taskset -c 1 "$BIN/horseshoe-typing" --addr 127.0.0.1:18110 --clients 20 --writers 4 --rate 10 --duration 20
  stop_server "$PID"
}
# The same relay-mode load, at 1 and 2 frames/s per client (38,000 and 76,000 deliveries/s),
# against uWebSockets.js, Bun, a minimal tokio relay, Horseshoe's relay mode and the full
# protocol (each alone on core 0, one after the other in the same run); then each relay server
# holding 10,000 idle connections. The table gives CPU per delivery as a multiple of uWS's.
relays() {
  need_relays
  local rate port=18120
  for rate in ${RATES:-1 2}; do
    local same=(--rooms 100 --clients 20 --rate "$rate" --duration 20)
    for server in uws bun relay; do
      start_server "$server" $((port += 1))
      load --wire relay --addr "127.0.0.1:$port" --server-pid "$PID" "${same[@]}" \
           --label "$(relay_name "$server"): 100 rooms x 20, 128 B, $rate/s each"
      stop_server "$PID"
    done
    start_server horseshoe $((port += 1)) --bench-relay
    load --wire relay --prefix /bench/relay/ --addr "127.0.0.1:$port" --server-pid "$PID" "${same[@]}" \
         --label "horseshoe relay mode: same load, $rate/s"
    stop_server "$PID"
    start_server horseshoe $((port += 1))
    load --addr "127.0.0.1:$port" --server-pid "$PID" "${same[@]}" \
         --label "horseshoe full protocol: same rooms, $rate moves/s"
    stop_server "$PID"
    table ratio
  done
  for server in uws bun relay horseshoe; do
    if [ "$server" = horseshoe ]; then start_server horseshoe $((port += 1)) --bench-relay; else start_server "$server" $((port += 1)); fi
    load --wire relay --prefix "$([ "$server" = horseshoe ] && echo /bench/relay/ || echo /)" --addr "127.0.0.1:$port" \
         --server-pid "$PID" --rooms 1000 --clients 10 --idle --label "$(relay_name "$server"): 10,000 idle connections"
    stop_server "$PID"
  done
}
relay_name() {
  case $1 in
    uws) echo "uWebSockets.js 20.30" ;; bun) echo "Bun 1.4.5" ;; relay) echo "tokio-tungstenite relay" ;; horseshoe) echo "horseshoe relay mode" ;;
  esac
}
# Capacity: the highest delivered rate with p99 under 25 ms and nothing lost, by stepping.
capacity() {
  for rate in ${RATES:-0.25 0.5 0.75 1 1.5 2 3}; do
    start_server horseshoe 18109
    load --addr 127.0.0.1:18109 --server-pid "$PID" --rooms 100 --clients 20 --rate "$rate" \
         --duration 10 --label "2 capacity step: $rate moves/s per client"
    stop_server "$PID"
  done
}

case "${1:-all}" in
  workshops) workshops ;;
  capacity) capacity ;;
  big-room) big_room ;;
  idle) idle ;;
  join-storm) join_storm ;;
  slow) slow ;;
  relays) relays ;;
  typing) typing ;;
  all) workshops; table; relays; big_room; idle; join_storm; slow; typing; capacity ;;
  *) echo "usage: $0 workshops|capacity|big-room|idle|join-storm|slow|relays|typing|all" >&2; exit 2 ;;
esac
table
