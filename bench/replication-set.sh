#!/usr/bin/env bash
# Replication's cost on SET: a primary with one replica against a standalone node, and replica lag.
#
#   bench/replication-set.sh [requests] [pipeline] [clients] [rounds]
#
# Starts (bin/corvid; build first) a standalone node, and a two-node cluster with one replica per
# slot (each node primary of about half the slots, replica of the others). Every SET goes to one
# slot whose primary is the cluster's first node (a hash tag), so the same node does the same
# work as the standalone one plus replication: capture, backlog, stream to the replica. Runs
# redis-benchmark alternately against both (rounds each, 100-byte values, -r 100000) and prints the
# medians and their ratio; during the replicated runs it samples the primary's INFO replication
# (lag_entries: entries written but not yet acked by the replica) every 0.2 s and prints the
# largest, then the time the replica took to catch up after the run. All three JVMs and
# redis-benchmark share the machine's cores, so on a small shared machine the throughput ratio
# mostly says that the replica competes for the same CPU; the CPU time per request of each process
# (utime + stime from /proc/PID/stat over the run, divided by the requests) is the figure least
# disturbed by other load: the primary's against the standalone node's is replication's cost on
# the primary, the replica's is the cost of applying.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-200000}"; P="${2:-16}"; C="${3:-50}"; ROUNDS="${4:-3}"
SA="${SA_PORT:-7421}"; PA="${PRIMARY_PORT:-7422}"; PB="${REPLICA_PORT:-7423}"
WORK="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
"$ROOT/bin/corvid" server --port "$SA" > "$WORK/standalone.log" 2>&1 & pids+=($!)
"$ROOT/bin/corvid" server --port "$PA" --cluster-enabled yes --cluster-replicas 1 > "$WORK/a.log" 2>&1 & pids+=($!)
for _ in $(seq 1 150); do redis-cli -p "$PA" ping >/dev/null 2>&1 && break; sleep 0.2; done
"$ROOT/bin/corvid" server --port "$PB" --cluster-seeds "127.0.0.1:$PA" --cluster-replicas 1 > "$WORK/b.log" 2>&1 & pids+=($!)
field() { redis-cli -p "$1" info "$2" | tr -d '\r' | awk -F: -v k="$3" '$1 == k {print $2}'; }
for _ in $(seq 1 300); do
  if [[ "$(redis-cli -p "$PA" cluster info 2>/dev/null | tr -d '\r' | awk -F: '/cluster_known_nodes/ {print $2}')" == 2 ]] \
     && [[ "$(field "$PB" replication repl_syncing_slots)" == 0 ]] && [[ "$(field "$PB" replication repl_followed_slots)" != 0 ]] \
     && [[ "$(field "$PA" replication repl_syncing_slots)" == 0 ]]; then break; fi
  sleep 0.2
done
redis-cli -p "$SA" ping >/dev/null
# A hash tag whose slot the first node is primary of.
TAG=""
for i in $(seq 1 200); do
  if [[ "$(redis-cli -p "$PA" set "{t$i}probe" 1 2>&1)" == OK ]]; then TAG="t$i"; break; fi
done
[[ -n "$TAG" ]] || { echo "no slot with the first node as primary" >&2; exit 1; }
VALUE="$(printf 'v%.0s' $(seq 1 100))"
run() { redis-benchmark -p "$1" -n "$N" -P "$P" -c "$C" -r 100000 -q set "{$TAG}k:__rand_int__" "$VALUE" 2>/dev/null \
  | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1 | awk '{print $1}'; }
cpu() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }  # clock ticks
TCK="$(getconf CLK_TCK)"
us_per_req() { awk -v t="$1" -v n="$N" -v h="$TCK" 'BEGIN { printf "%.2f", t * 1e6 / h / n }'; }
SA_PID="${pids[0]}"; PA_PID="${pids[1]}"; PB_PID="${pids[2]}"
run "$SA" >/dev/null; run "$PA" >/dev/null # warm-up
sa=(); pr=(); sacpu=(); prcpu=(); rpcpu=()
for _ in $(seq 1 "$ROUNDS"); do
  c0="$(cpu "$SA_PID")"
  sa+=("$(run "$SA")")
  sacpu+=("$(us_per_req $(( $(cpu "$SA_PID") - c0 )))")
  c1="$(cpu "$PA_PID")"; c2="$(cpu "$PB_PID")"
  ( while true; do
      l="$(redis-cli -p "$PA" info replication | tr -d '\r' | grep -o 'lag_entries=[0-9]*' | cut -d= -f2 | sort -n | tail -1)"
      echo "${l:-0}" >> "$WORK/lag"; sleep 0.2
    done ) & sampler=$!
  pr+=("$(run "$PA")")
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  prcpu+=("$(us_per_req $(( $(cpu "$PA_PID") - c1 )))")
  start=$(date +%s%N)
  for _ in $(seq 1 600); do
    l="$(redis-cli -p "$PA" info replication | tr -d '\r' | grep -o 'lag_entries=[0-9]*' | cut -d= -f2 | sort -n | tail -1)"
    [[ "${l:-0}" == 0 ]] && break; sleep 0.05
  done
  echo "caught up $(( ($(date +%s%N) - start) / 1000000 )) ms after the run" >> "$WORK/catchup"
  rpcpu+=("$(us_per_req $(( $(cpu "$PB_PID") - c2 )))")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms="$(median "${sa[@]}")"; mp="$(median "${pr[@]}")"
echo "load: $(uptime | sed 's/.*load average/load average/')"
echo "SET -P $P -c $C, 100-byte values, one slot"
echo "standalone:              ${sa[*]} (median $ms)"
echo "primary with 1 replica:  ${pr[*]} (median $mp)"
awk -v a="$mp" -v b="$ms" 'BEGIN { printf "ratio replicated / standalone: %.2f\n", a / b }'
echo "CPU us/request, standalone:        ${sacpu[*]} (median $(median "${sacpu[@]}"))"
echo "CPU us/request, primary:           ${prcpu[*]} (median $(median "${prcpu[@]}"))"
echo "CPU us/request, replica (applying): ${rpcpu[*]} (median $(median "${rpcpu[@]}"))"
awk -v a="$(median "${prcpu[@]}")" -v b="$(median "${sacpu[@]}")" 'BEGIN { printf "CPU ratio primary / standalone: %.2f\n", a / b }'
echo "largest lag sampled during the replicated runs: $(sort -n "$WORK/lag" | tail -1) entries"
cat "$WORK/catchup"
echo "primary: $(field "$PA" replication repl_backlog_entries) backlog entries, $(field "$PA" replication repl_snapshots_sent) snapshots sent"
echo "replica: $(field "$PB" replication repl_entries_applied) entries applied, keys in the slot: $(redis-cli -p "$PB" cluster countkeysinslot "$(redis-cli -p "$PA" cluster keyslot "{$TAG}")"), on the primary: $(redis-cli -p "$PA" cluster countkeysinslot "$(redis-cli -p "$PA" cluster keyslot "{$TAG}")")"
