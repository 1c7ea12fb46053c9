#!/usr/bin/env bash
# bench/redis-compare.sh — Corvid and Redis 7 side by side, in one run, on one machine.
#
# What it does
#   1. Starts a Corvid node ($CORVID_CMD --port P) and a Redis server (no persistence:
#      --save '' --appendonly no), each on its own free loopback port.
#   2. Warms both up (one untimed pass, so the JVM's JIT has compiled the hot path), then runs
#      redis-benchmark against them in alternation (Corvid, Redis, Corvid, Redis, ...) for
#      --rounds rounds: -c 50 -d 100 -n <requests> -t get,set at -P 1 and -P 16.
#   3. Memory per key: a fresh server of each kind, RSS (/proc/PID/status VmRSS) before and after
#      a fill of exactly --fill-keys distinct 16-byte keys (key:000000000000 ...) with 100-byte
#      values, sent with redis-cli --pipe; (RSS after - RSS before) / keys = bytes per key.
#   4. Prints medians over the rounds (ops/s, p50, p99, server CPU time per request) and
#      Corvid/Redis ratios as a Markdown table; --record appends the tables, the machine and the
#      command to docs/benchmarks.md.
#
# Server CPU per request: utime + stime of the server process (/proc/PID/stat, all its threads)
# over one redis-benchmark run, divided by its requests. Unlike ops/s it barely depends on what
# else the machine runs, so it is the figure to compare on a shared box.
#
# Every server it starts runs in its own session (setsid) and is stopped by PID (its process
# group) when the script exits, however it exits.
#
# Environment
#   CORVID_CMD       command that starts a node; "--port P" is appended
#                    (default: "<repo>/bin/corvid server")
#   CORVID_FILL_ARGS extra arguments for the Corvid node of the memory fill, e.g. a maxmemory
#                    large enough that nothing is evicted (default: none)
#   REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI   binaries (default: from PATH)
set -euo pipefail

readonly START_TIMEOUT_SECONDS=60
readonly STOP_GRACE_SECONDS=10
readonly SETTLE_SECONDS=2
readonly KEY_BYTES=16
readonly VALUE_BYTES=100

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORVID_CMD=${CORVID_CMD:-"$ROOT/bin/corvid server"}
CORVID_FILL_ARGS=${CORVID_FILL_ARGS:-}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-redis-benchmark}
REDIS_CLI=${REDIS_CLI:-redis-cli}

ROUNDS=3
REQUESTS=200000
WARMUP_REQUESTS=300000
CLIENTS=50
PIPELINES="1 16"
FILL_KEYS=1000000
RECORD=0
MEMORY=1
SERVERS="corvid redis"
ORIGINAL_ARGS="$*"

usage() {
  cat <<EOF
Usage: bench/redis-compare.sh [options]

  --rounds N        alternating rounds per test (default $ROUNDS)
  --requests N      redis-benchmark -n (default $REQUESTS)
  --warmup N        requests per test and server run once first and discarded, so a JVM's JIT
                    has compiled the hot path before timing (default $WARMUP_REQUESTS; 0: none)
  --clients N       redis-benchmark -c (default $CLIENTS)
  --pipelines "P.." pipeline depths, -P (default "$PIPELINES")
  --fill-keys N     keys in the memory fill (default $FILL_KEYS; 0 skips the fill)
  --only corvid|redis   benchmark one server (e.g. Redis alone while Corvid cannot start)
  --record          append the results to docs/benchmarks.md
  -h, --help        this text

Environment: CORVID_CMD (default "$ROOT/bin/corvid server"), CORVID_FILL_ARGS,
REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI.
EOF
}

die() {
  echo "redis-compare: $*" >&2
  exit 2
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --requests) REQUESTS=${2:?}; shift 2 ;;
    --warmup) WARMUP_REQUESTS=${2:?}; shift 2 ;;
    --clients) CLIENTS=${2:?}; shift 2 ;;
    --pipelines) PIPELINES=${2:?}; shift 2 ;;
    --fill-keys) FILL_KEYS=${2:?}; shift 2 ;;
    --only) SERVERS=${2:?}; shift 2 ;;
    --record) RECORD=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
done
for n in "$ROUNDS" "$REQUESTS" "$WARMUP_REQUESTS" "$CLIENTS" "$FILL_KEYS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "not a number: '$n'"
done
[[ "$ROUNDS" -ge 1 ]] || die "--rounds must be at least 1"
[[ "$FILL_KEYS" -gt 0 ]] || MEMORY=0
case "$SERVERS" in
  "corvid redis"|corvid|redis) ;;
  *) die "--only takes corvid or redis" ;;
esac

install_hint() {
  cat >&2 <<EOF
redis-compare: $1 not found.
  It comes with Redis 7. On Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y redis-server redis-tools
  On macOS:  brew install redis.  Or point REDIS_SERVER / REDIS_BENCHMARK / REDIS_CLI at the binaries.
EOF
  exit 2
}
command -v "$REDIS_BENCHMARK" >/dev/null || install_hint "$REDIS_BENCHMARK"
command -v "$REDIS_CLI" >/dev/null || install_hint "$REDIS_CLI"
if [[ " $SERVERS " == *" redis "* ]]; then
  command -v "$REDIS_SERVER" >/dev/null || install_hint "$REDIS_SERVER"
fi
if [[ " $SERVERS " == *" corvid "* ]]; then
  corvid_exe=${CORVID_CMD%% *}
  if ! command -v "$corvid_exe" >/dev/null && [[ ! -x "$corvid_exe" ]]; then
    die "Corvid launcher '$corvid_exe' not found (CORVID_CMD='$CORVID_CMD'). Build it first, set CORVID_CMD, or run with --only redis."
  fi
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/redis-compare.XXXXXX")
STARTED_PIDS=()

stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  # Each server leads its own process group (setsid): signal the group, so a launcher script
  # and the JVM it started both stop.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null && [[ $waited -lt $((STOP_GRACE_SECONDS * 10)) ]]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  local kept=() p
  for p in "${STARTED_PIDS[@]+"${STARTED_PIDS[@]}"}"; do
    [[ "$p" == "$pid" ]] || kept+=("$p")
  done
  STARTED_PIDS=("${kept[@]+"${kept[@]}"}")
}

cleanup() {
  local pid
  if [[ -n "${BENCH_PID:-}" ]]; then
    kill -TERM "$BENCH_PID" 2>/dev/null || true
  fi
  for pid in "${STARTED_PIDS[@]+"${STARTED_PIDS[@]}"}"; do
    stop_pid "$pid"
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  local port tries=0
  while [[ $tries -lt 200 ]]; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
    tries=$((tries + 1))
  done
  die "no free port found"
}

# start_server LOG COMMAND...: starts it in its own session (so its process group is ours to
# stop) and sets PID.
start_server() {
  local log=$1
  shift
  if command -v setsid >/dev/null; then
    setsid "$@" >"$log" 2>&1 </dev/null &
  else
    "$@" >"$log" 2>&1 </dev/null &
  fi
  PID=$!
  STARTED_PIDS+=("$PID")
}

wait_ready() {
  local name=$1 port=$2 pid=$3 log=$4 waited=0
  while [[ $waited -lt $((START_TIMEOUT_SECONDS * 10)) ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "redis-compare: $name exited before it was ready; its log:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    if [[ "$("$REDIS_CLI" -h 127.0.0.1 -p "$port" PING 2>/dev/null)" == "PONG" ]]; then
      return 0
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  echo "redis-compare: $name not answering PING on port $port after ${START_TIMEOUT_SECONDS}s; its log:" >&2
  tail -n 30 "$log" >&2
  exit 1
}

# launch NAME [extra args]: starts a server of that kind on a free port; sets PORT and PID.
launch() {
  local name=$1
  shift
  PORT=$(free_port)
  local log="$WORK/$name-$PORT.log"
  if [[ $name == redis ]]; then
    start_server "$log" "$REDIS_SERVER" --port "$PORT" --bind 127.0.0.1 \
      --save '' --appendonly no --daemonize no "$@"
  else
    start_server "$log" bash -c "exec $CORVID_CMD --port $PORT $*"
  fi
  wait_ready "$name" "$PORT" "$PID" "$log"
  # The process that owns the socket (a launcher may run the JVM as a child).
  local owner
  owner=$(ss -ltnpH "sport = :$PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2 || true)
  SERVER_PID=${owner:-$PID}
}

rss_kb() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

used_memory() {
  "$REDIS_CLI" -h 127.0.0.1 -p "$1" INFO memory 2>/dev/null | tr -d '\r' \
    | awk -F: '$1 == "used_memory" { print $2 }'
}

RESULTS="$WORK/results.csv" # server,pipeline,test,round,rps,p50,p99,cpu_us_per_request
CLOCK_TICKS=$(getconf CLK_TCK 2>/dev/null || echo 100)

# cpu_ticks PID: user + system CPU time of the process (every thread), in clock ticks.
cpu_ticks() {
  # Fields 14 and 15 of /proc/PID/stat, counted after the ")" that ends the command name.
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
: >"$RESULTS"

# run_benchmark PORT REQUESTS PIPELINE [TESTS]: output in $WORK/benchmark.csv. Runs in the
# background and waits, so a TERM or INT stops the script at once rather than after the client
# finishes.
BENCH_PID=""
run_benchmark() {
  "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$1" -c "$CLIENTS" -d "$VALUE_BYTES" -n "$2" \
    -t "${4:-get,set}" -P "$3" --csv >"$WORK/benchmark.csv" 2>/dev/null &
  BENCH_PID=$!
  local status=0
  wait "$BENCH_PID" || status=$?
  BENCH_PID=""
  return "$status"
}

# bench_once NAME PORT SERVER_PID PIPELINE ROUND: one redis-benchmark run per test (GET, then
# SET), so that the server's CPU time can be charged to each.
bench_once() {
  local name=$1 port=$2 pid=$3 pipeline=$4 round=$5 out test before after line=""
  for test in get set; do
    before=$(cpu_ticks "$pid")
    run_benchmark "$port" "$REQUESTS" "$pipeline" "$test" || die "redis-benchmark failed against $name"
    after=$(cpu_ticks "$pid")
    out=$(cat "$WORK/benchmark.csv")
    echo "$out" | tr -d '\r' | awk -F'","' -v s="$name" -v p="$pipeline" -v r="$round" \
      -v cpu=$((after - before)) -v hz="$CLOCK_TICKS" -v n="$REQUESTS" '
      NR > 1 && NF >= 7 {
        gsub(/"/, "", $1); gsub(/"/, "", $7)
        printf "%s,%s,%s,%s,%s,%s,%s,%.3f\n", s, p, $1, r, $2, $5, $7, cpu * 1e6 / hz / n
      }' >>"$RESULTS"
    line+="$(echo "$out" | tr -d '\r"' | awk -F, 'NR > 1 { printf "%s %s ops/s", $1, $2 }')"
    line+=" $(awk -v c=$((after - before)) -v hz="$CLOCK_TICKS" -v n="$REQUESTS" 'BEGIN { printf "%.2f", c * 1e6 / hz / n }') µs CPU/req  "
  done
  printf '  round %d  %-6s -P %-3s %s\n' "$round" "$name" "$pipeline" "$line" >&2
}

machine() {
  local cpu redis_version java_line
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  redis_version=$("${REDIS_SERVER}" --version 2>/dev/null | awk '{ print $3 }' | cut -d= -f2 || echo "?")
  local java=${JAVA:-java} j
  for j in /usr/lib/jvm/*25*/bin/java; do
    [[ -z "${JAVA:-}" && -x "$j" ]] && java=$j && break
  done
  java_line=${JAVA_VERSION_LINE:-"$("$java" -version 2>&1 | head -n 1)"}
  echo "nproc $(nproc); CPU ${cpu:-unknown}; ${java_line}; Redis ${redis_version:-not installed}; $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

JAVA_VERSION_LINE=""
PORTS=()
NAMES=()
PIDS=()
for name in $SERVERS; do
  echo "starting $name ..." >&2
  launch "$name"
  NAMES+=("$name")
  PORTS+=("$PORT")
  PIDS+=("$SERVER_PID")
  if [[ $name == corvid ]]; then
    exe=$(readlink "/proc/$SERVER_PID/exe" || true)
    if [[ "$exe" == */java ]]; then
      JAVA_VERSION_LINE="$("$exe" -version 2>&1 | head -n 1) (Corvid's JVM)"
    fi
  fi
  echo "  $name on 127.0.0.1:$PORT (pid $SERVER_PID)" >&2
done

if [[ "$WARMUP_REQUESTS" -gt 0 ]]; then
  echo "warm-up: $WARMUP_REQUESTS requests per test, pipeline and server (not timed)" >&2
  for pipeline in $PIPELINES; do
    for i in "${!NAMES[@]}"; do
      run_benchmark "${PORTS[$i]}" "$WARMUP_REQUESTS" "$pipeline" \
        || die "redis-benchmark warm-up failed against ${NAMES[$i]}"
    done
  done
fi
echo "throughput: $ROUNDS rounds, -c $CLIENTS -d $VALUE_BYTES -n $REQUESTS -t get,set, -P {$PIPELINES}" >&2
for round in $(seq 1 "$ROUNDS"); do
  for pipeline in $PIPELINES; do
    for i in "${!NAMES[@]}"; do
      bench_once "${NAMES[$i]}" "${PORTS[$i]}" "${PIDS[$i]}" "$pipeline" "$round"
    done
  done
done
for pid in "${STARTED_PIDS[@]+"${STARTED_PIDS[@]}"}"; do
  stop_pid "$pid"
done

# Median per (server, pipeline, test) over rounds, then one row per (test, pipeline).
throughput_table() {
  sort -t, -k1,1 -k2,2n -k3,3 "$RESULTS" | awk -F, -v rounds="$ROUNDS" '
    function median(list,   n, a, i, j, t) {
      n = split(list, a, " ")
      for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function ratio(c, r) { return (c == "" || r == "" || r + 0 == 0) ? "-" : sprintf("%.2f", c / r) }
    function show(v, fmt) { return v == "" ? "-" : sprintf(fmt, v) }
    {
      key = $3 SUBSEP $2
      if (!(key in seen)) { seen[key] = 1; order[++rows] = key }
      rps[$1, key] = rps[$1, key] " " $5; p50[$1, key] = p50[$1, key] " " $6; p99[$1, key] = p99[$1, key] " " $7
      cpu[$1, key] = cpu[$1, key] " " $8
    }
    END {
      print "| test | -P | Corvid ops/s | Redis ops/s | ratio | Corvid p50 ms | Redis p50 ms | ratio | Corvid p99 ms | Redis p99 ms | ratio | Corvid CPU µs/req | Redis CPU µs/req | ratio |"
      print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      for (i = 1; i <= rows; i++) {
        key = order[i]; split(key, part, SUBSEP)
        c = (("corvid", key) in rps) ? median(rps["corvid", key]) : ""; r = (("redis", key) in rps) ? median(rps["redis", key]) : ""
        c50 = (("corvid", key) in p50) ? median(p50["corvid", key]) : ""; r50 = (("redis", key) in p50) ? median(p50["redis", key]) : ""
        c99 = (("corvid", key) in p99) ? median(p99["corvid", key]) : ""; r99 = (("redis", key) in p99) ? median(p99["redis", key]) : ""
        ccpu = (("corvid", key) in cpu) ? median(cpu["corvid", key]) : ""; rcpu = (("redis", key) in cpu) ? median(cpu["redis", key]) : ""
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", part[1], part[2],
          show(c, "%.0f"), show(r, "%.0f"), ratio(c, r), show(c50, "%.3f"), show(r50, "%.3f"), ratio(c50, r50),
          show(c99, "%.3f"), show(r99, "%.3f"), ratio(c99, r99), show(ccpu, "%.2f"), show(rcpu, "%.2f"), ratio(ccpu, rcpu)
      }
    }'
}

# fill NAME: a fresh server, RSS before/after FILL_KEYS SETs; prints one table row.
fill() {
  local name=$1 before after used_before used_after reply keys
  if [[ $name == corvid ]]; then
    # shellcheck disable=SC2086 # CORVID_FILL_ARGS is a list of options
    launch corvid $CORVID_FILL_ARGS
  else
    launch redis
  fi
  sleep "$SETTLE_SECONDS"
  before=$(rss_kb "$SERVER_PID")
  used_before=$(used_memory "$PORT")
  # Exactly FILL_KEYS distinct keys of KEY_BYTES bytes ("key:" + 12 digits), VALUE_BYTES each.
  reply=$(awk -v n="$FILL_KEYS" -v vbytes="$VALUE_BYTES" 'BEGIN {
      v = sprintf("%" vbytes "s", ""); gsub(/ /, "x", v)
      for (i = 0; i < n; i++) printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$%d\r\n%s\r\n", i, vbytes, v
    }' | "$REDIS_CLI" -h 127.0.0.1 -p "$PORT" --pipe 2>&1 | tr -d '\r' | tail -n 1)
  [[ "$reply" == *"errors: 0"* ]] || echo "redis-compare: $name fill reported: $reply" >&2
  sleep "$SETTLE_SECONDS"
  after=$(rss_kb "$SERVER_PID")
  used_after=$(used_memory "$PORT")
  keys=$("$REDIS_CLI" -h 127.0.0.1 -p "$PORT" DBSIZE | tr -d '\r')
  [[ "$keys" == "$FILL_KEYS" ]] || echo "redis-compare: WARNING: $name holds $keys keys after the fill, not $FILL_KEYS (evicting? raise its maxmemory)" >&2
  stop_pid "$PID"
  awk -v s="$name" -v b="$before" -v a="$after" -v ub="$used_before" -v ua="$used_after" -v n="$FILL_KEYS" -v k="$keys" 'BEGIN {
      used = (ub != "" && ua != "") ? sprintf("%.1f", (ua - ub) / n) : "-"
      printf "| %s | %d | %.1f | %.1f | %.1f | %s |\n", s, k, b / 1024, a / 1024, (a - b) * 1024 / n, used
    }'
}

THROUGHPUT=$(throughput_table)
MEMORY_TABLE=""
if [[ $MEMORY == 1 ]]; then
  MEMORY_TABLE="| server | keys after fill | RSS before MiB | RSS after MiB | RSS bytes/key | used_memory bytes/key |
|---|---:|---:|---:|---:|---:|"
  for name in $SERVERS; do
    echo "memory: filling $name with $FILL_KEYS keys of $KEY_BYTES bytes, values of $VALUE_BYTES bytes ..." >&2
    MEMORY_TABLE+=$'\n'"$(fill "$name")"
  done
fi

MACHINE=$(machine)
STAMP=$(date -u +%Y-%m-%dT%H:%MZ)
COMMAND="bench/redis-compare.sh${ORIGINAL_ARGS:+ $ORIGINAL_ARGS}"
report() {
  echo "Date: $STAMP. Machine: $MACHINE."
  echo "Command: \`$COMMAND\`$([[ " $SERVERS " == *" corvid "* ]] && echo " with CORVID_CMD='$CORVID_CMD'")."
  echo "redis-benchmark -c $CLIENTS -d $VALUE_BYTES -n $REQUESTS -t get, then -t set, after an untimed warm-up of $WARMUP_REQUESTS requests per test; medians of $ROUNDS alternating rounds; ratio = Corvid/Redis (ops/s: higher is better for Corvid; latency and CPU: lower is). CPU µs/req: the server process's user + system CPU time over the run / requests (/proc/PID/stat), the figure least disturbed by other load."
  echo
  echo "$THROUGHPUT"
  if [[ -n "$MEMORY_TABLE" ]]; then
    echo
    echo "Memory: $FILL_KEYS distinct ${KEY_BYTES}-byte keys with ${VALUE_BYTES}-byte values, fresh server, RSS growth / keys."
    echo
    echo "$MEMORY_TABLE"
  fi
  if [[ " $SERVERS " != *" corvid "* ]]; then
    echo
    echo "Redis only: Corvid was not benchmarked in this run (--only redis)."
  fi
}

echo
report
if [[ $RECORD == 1 ]]; then
  {
    echo
    echo "### Run $STAMP (bench/redis-compare.sh)"
    echo
    report
  } >>"$ROOT/docs/benchmarks.md"
  echo >&2
  echo "appended to $ROOT/docs/benchmarks.md" >&2
fi
