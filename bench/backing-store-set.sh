#!/usr/bin/env bash
# Write-behind SET throughput against plain SET on the same node (issue 5's target: >= 0.8x).
#
#   bench/backing-store-set.sh [requests] [pipelines] [clients] [rounds]
#
#   requests   per redis-benchmark run (default 300000)
#   pipelines  comma-separated -P values (default "1,16")
#   clients    -c (default 50)
#   rounds     alternating rounds per pipeline (default 5)
#
# Starts one node (bin/corvid; build first: ./mvnw -q -pl corvid-server -am package -DskipTests)
# with a write-behind store on prefix "wb:" backed by an H2 file database in a temporary directory
# (FSYNC=always|everysec|no picks backing-store-fsync, default everysec). DB=server (default) runs
# H2 as a TCP server in its own JVM, as a database runs on its own host: the node's CPU figures are
# then the node's alone, and the database's CPU per write is printed beside them. DB=embedded
# runs H2 inside the node's JVM (the flusher thread executes the SQL itself). Then for each
# pipeline runs redis-benchmark alternately on "SET plain:<rand> v" and "SET wb:<rand> v" and
# prints per round ops/s and the node's CPU time per request (user + system of the whole JVM from
# /proc/PID/stat: the event loop, the log, the fsync thread, the flusher and H2 together), then the
# medians and the ratios write-behind / plain. The flusher shares the machine with the node, as it
# would in production. The load average is printed before and after each pipeline.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-300000}"; PIPES="${2:-1,16}"; C="${3:-50}"; ROUNDS="${4:-5}"; PORT="${PORT:-7411}"
FSYNC="${FSYNC:-everysec}"
WORK="$(mktemp -d)"
CP="$ROOT/corvid-server/target/classes:$(cat "$ROOT/corvid-server/target/classpath.txt")"
JAVA="$(ls -d /usr/lib/jvm/*25*/bin/java | head -1)"
DB="${DB:-server}"; DBPORT="${DBPORT:-$((PORT + 1))}"
"$JAVA" -cp "$CP" org.h2.tools.Shell -url "jdbc:h2:$WORK/db" \
  -sql "CREATE TABLE kv (id BIGINT PRIMARY KEY, payload VARCHAR(100), version BIGINT)" >/dev/null
DBPID=""
if [[ "$DB" == server ]]; then
  "$JAVA" -cp "$CP" org.h2.tools.Server -tcp -tcpPort "$DBPORT" -baseDir "$WORK" > "$WORK/h2.log" 2>&1 &
  DBPID=$!
  URL="jdbc:h2:tcp://127.0.0.1:$DBPORT/db"
  for _ in $(seq 1 100); do grep -q 'TCP server running' "$WORK/h2.log" && break; sleep 0.2; done
else
  URL="jdbc:h2:$WORK/db"
fi
"$ROOT/bin/corvid" server --port "$PORT" --dir "$WORK" --backing-store-fsync "$FSYNC" \
  --backing-store "wb: jdbc-url=$URL table=kv key-column=id value-column=payload mode=write-behind version-column=version" \
  > "$WORK/node.log" 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null; wait $NODE 2>/dev/null; [[ -n "$DBPID" ]] && kill $DBPID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done
TICKS="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU ticks of the node's event-loop threads only (Netty names them ...EventLoop...): with the
# database on its own host, the event loop is what bounds a node's SET rate.
loop_ticks() {
  local t sum=0
  for t in /proc/"$NODE"/task/*; do
    if grep -qE 'IoEv|EventLoop' "$t/comm" 2>/dev/null; then sum=$((sum + $(awk '{print $14 + $15}' "$t/stat"))); fi
  done
  echo "$sum"; }
# one redis-benchmark run, then the queue drained: prints "ops/s node-cpu-us-per-request db-cpu-us-per-request"
run() {
  local t0 t1 d0 d1 l0 l1 ops
  t0="$(cpu_ticks $NODE)"; d0=0; [[ -n "$DBPID" ]] && d0="$(cpu_ticks $DBPID)"; l0="$(loop_ticks)"
  ops="$(redis-benchmark -p "$PORT" -n "$N" -P "$P" -c "$C" -r 100000 -q "$@" 2>/dev/null | tr '\r' '\n' \
    | grep -o '[0-9.]* requests per second' | tail -1 | awk '{print $1}')"
  l1="$(loop_ticks)"
  drain
  t1="$(cpu_ticks $NODE)"; d1=0; [[ -n "$DBPID" ]] && d1="$(cpu_ticks $DBPID)"
  awk -v o="$ops" -v d="$((t1 - t0))" -v e="$((d1 - d0))" -v l="$((l1 - l0))" -v n="$N" -v hz="$TICKS" \
    'BEGIN { printf "%s %.2f %.2f %.2f\n", o, d * 1e6 / hz / n, e * 1e6 / hz / n, l * 1e6 / hz / n }'
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
drain() {
  for _ in $(seq 1 600); do
    d="$(redis-cli -p "$PORT" info backingstore | tr -d '\r' | awk -F: '/writebehind_queue_depth/ {print $2}')"
    [[ "$d" == 0 ]] && break; sleep 0.2
  done
}
echo "db=$DB fsync=$FSYNC requests=$N clients=$C rounds=$ROUNDS nproc=$(nproc) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
IFS=',' read -r -a PIPE_LIST <<< "$PIPES"
for P in "${PIPE_LIST[@]}"; do
  # warm-up of both paths (the JIT compiles the write-behind path too)
  redis-benchmark -p "$PORT" -n 300000 -P "$P" -c "$C" -r 100000 -q set plain:__rand_int__ v >/dev/null 2>&1
  redis-benchmark -p "$PORT" -n 300000 -P "$P" -c "$C" -r 100000 -q set wb:__rand_int__ v >/dev/null 2>&1
  drain
  echo "-P $P   load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  pops=(); pcpu=(); wops=(); wcpu=(); ratios=(); ploop=(); wloop=()
  for i in $(seq 1 "$ROUNDS"); do
    read -r po pc _ pl <<< "$(run set plain:__rand_int__ v)"
    read -r wo wc wd wl <<< "$(run set wb:__rand_int__ v)"
    pops+=("$po"); pcpu+=("$pc"); wops+=("$wo"); wcpu+=("$wc"); ploop+=("$pl"); wloop+=("$wl")
    ratios+=("$(awk -v a="$wo" -v b="$po" 'BEGIN { printf "%.2f", a / b }')")
    printf '  round %d: plain %9s ops/s %6s us/req (loop %s) | write-behind %9s ops/s %6s us/req (loop %s, database %s) | ratio %s\n' \
      "$i" "$po" "$pc" "$pl" "$wo" "$wc" "$wl" "$wd" "${ratios[-1]}"
  done
  mpo="$(median "${pops[@]}")"; mwo="$(median "${wops[@]}")"; mpc="$(median "${pcpu[@]}")"; mwc="$(median "${wcpu[@]}")"
  echo "  median: plain $mpo ops/s $mpc us/req | write-behind $mwo ops/s $mwc us/req"
  mpl="$(median "${ploop[@]}")"; mwl="$(median "${wloop[@]}")"
  echo "  event loop CPU per request: plain $mpl us, write-behind $mwl us; predicted ratio with the database elsewhere" \
    "(plain / write-behind loop CPU): $(awk -v a="$mpl" -v b="$mwl" 'BEGIN { printf "%.2f", a / b }')"
  echo "  -P $P ratio write-behind/plain: ops/s of medians $(awk -v a="$mwo" -v b="$mpo" 'BEGIN { printf "%.2f", a / b }')," \
    "median of round ratios $(median "${ratios[@]}"), CPU per request $(awk -v a="$mwc" -v b="$mpc" 'BEGIN { printf "%.2f", a / b }')"
  echo "  load after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
drain
redis-cli -p "$PORT" info backingstore | tr -d '\r' | grep -E 'writes_behind|flushed|queue_depth|fsyncs|log_appends'
