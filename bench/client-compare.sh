#!/usr/bin/env bash
# corvid-client vs Lettuce on one Corvid node, interleaved: JMH forks in alternation
# (io.corvid.bench.client.ClientCompare), then short alternating blocks in one JVM
# (io.corvid.bench.client.ClientPaired), then the near-cache hit benchmark (NearCacheHitBenchmark)
# on the same node.
#
#   bench/client-compare.sh [ClientCompare options, e.g. --rounds 5 --gc]
#
# Starts a node with bin/corvid server on a free port and stops it at the end. Needs the build:
#   ./mvnw -B -q -pl corvid-server,corvid-bench -am package -DskipTests
# JMH=0 skips ClientCompare, PAIRED=0 ClientPaired, NEAR=0 the near-cache benchmark;
# CORVID_ADDRESS=host:port uses a running server instead.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$(ls "$ROOT"/corvid-bench/target/corvid-bench-*-benchmarks.jar | head -1)"
JAVA="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"

node_pid=""
log=""
cleanup() {
  if [[ -n "$node_pid" ]]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  [[ -n "$log" ]] && rm -f "$log"
}
trap cleanup EXIT

address="${CORVID_ADDRESS:-}"
if [[ -z "$address" ]]; then
  log="$(mktemp -t corvid-client-compare.XXXXXX)"
  "$ROOT/bin/corvid" server --port 0 >"$log" 2>&1 &
  node_pid=$!
  for _ in $(seq 1 600); do
    port="$(sed -n 's/.*ready to accept connections on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$log" | head -1)"
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  [[ -n "${port:-}" ]] || { echo "the node did not start:" >&2; cat "$log" >&2; exit 1; }
  address="127.0.0.1:$port"
fi

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(uname -r), $("$JAVA" -version 2>&1 | head -1), server $address"
echo "# git $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo '+changes')"
if [[ "${JMH:-1}" != 0 ]]; then
  "$JAVA" -cp "$JAR" io.corvid.bench.client.ClientCompare --address "$address" "$@"
fi
if [[ "${PAIRED:-1}" != 0 ]]; then
  echo "paired blocks in one JVM (ClientPaired):"
  "$JAVA" -Xmx1g -Dio.netty.leakDetection.level=disabled --sun-misc-unsafe-memory-access=allow \
    --enable-native-access=ALL-UNNAMED -cp "$JAR" io.corvid.bench.client.ClientPaired --address "$address"
fi
if [[ "${NEAR:-1}" != 0 ]]; then
  echo "load average before the near-cache run: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$JAVA" -Xmx1g -jar "$JAR" NearCacheHitBenchmark -p address="$address" -prof gc \
    -jvmArgs "-Xmx1g -Dio.netty.leakDetection.level=disabled --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED" \
    | grep -E "^(Benchmark|NearCacheHitBenchmark)|cpu-per-op"
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
