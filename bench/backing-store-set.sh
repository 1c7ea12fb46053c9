#!/usr/bin/env bash
# Write-behind SET throughput against plain SET on the same node (issue 5's target: >= 0.8x).
#
#   bench/backing-store-set.sh [requests] [pipeline] [clients]
#
# Starts one node (bin/corvid; build first) with a write-behind store on prefix "wb:" backed by
# an embedded H2 file database in a temporary directory, then runs redis-benchmark alternately on
# "SET plain:<rand> v" and "SET wb:<rand> v" (three rounds each) and prints the ratio of the
# medians. The flusher shares the machine with the node, as it would in production.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-300000}"; P="${2:-16}"; C="${3:-50}"; PORT="${PORT:-7411}"
WORK="$(mktemp -d)"
CP="$ROOT/corvid-server/target/classes:$(cat "$ROOT/corvid-server/target/classpath.txt")"
JAVA="$(ls -d /usr/lib/jvm/*25*/bin/java | head -1)"
"$JAVA" -cp "$CP" org.h2.tools.Shell -url "jdbc:h2:$WORK/db" \
  -sql "CREATE TABLE kv (id BIGINT PRIMARY KEY, payload VARCHAR(100), version BIGINT)" >/dev/null
"$ROOT/bin/corvid" server --port "$PORT" --dir "$WORK" \
  --backing-store "wb: jdbc-url=jdbc:h2:$WORK/db table=kv key-column=id value-column=payload mode=write-behind version-column=version" \
  > "$WORK/node.log" 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null; wait $NODE 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done
run() { redis-benchmark -p "$PORT" -n "$N" -P "$P" -c "$C" -r 100000 -q "$@" 2>/dev/null | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | awk '{print $1}'; }
redis-benchmark -p "$PORT" -n 100000 -P "$P" -c "$C" -r 100000 -q set plain:__rand_int__ v >/dev/null 2>&1 # warm-up
plain=(); wb=()
for _ in 1 2 3; do
  plain+=("$(run set plain:__rand_int__ v)")
  wb+=("$(run set wb:__rand_int__ v)")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
mp="$(median "${plain[@]}")"; mw="$(median "${wb[@]}")"
echo "plain SET:        ${plain[*]} (median $mp)"
echo "write-behind SET: ${wb[*]} (median $mw)"
awk -v a="$mw" -v b="$mp" 'BEGIN { printf "ratio write-behind / plain: %.2f\n", a / b }'
for _ in $(seq 1 300); do
  d="$(redis-cli -p "$PORT" info backingstore | tr -d '\r' | awk -F: '/writebehind_queue_depth/ {print $2}')"
  [[ "$d" == 0 ]] && break; sleep 0.2
done
redis-cli -p "$PORT" info backingstore | tr -d '\r' | grep -E 'writes_behind|flushed|queue_depth|fsyncs'
