#!/usr/bin/env bash
# The product catalogue example (the seed's scenario): a products table read through Corvid with
# cache-aside, cached as JSON, invalidated on update. Prints every step (hit, miss, invalidate).
#
#   examples/product-catalogue/run.sh [--corvid host:port] [--jdbc-url URL] [--db-user USER]
#                                     [--db-password PASSWORD] [--reads N] [--product ID]
#
# Without --corvid it starts a Corvid node itself (bin/corvid server on a free port) and stops it
# at the end; with --corvid it uses that node, or any node of a cluster. The database is an
# in-memory H2 unless --jdbc-url names another, e.g. PostgreSQL:
#   run.sh --jdbc-url jdbc:postgresql://localhost:5432/shop --db-user shop --db-password secret
# It first builds what it needs (./mvnw -q -DskipTests package of this module and corvid-server);
# CORVID_SKIP_BUILD=1 skips that. Needs Java 17+ for the example, and a JDK 25 for the node.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
NODE_START_TIMEOUT_SECONDS=60

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 0
fi

if [[ "${CORVID_SKIP_BUILD:-}" != 1 ]]; then
  echo "building (./mvnw -q -DskipTests package; CORVID_SKIP_BUILD=1 skips this) ..."
  (cd "$ROOT" && ./mvnw -q -B -DskipTests -pl corvid-server,examples/product-catalogue -am package)
fi
if [[ ! -f "$HERE/target/classpath.txt" ]]; then
  echo "run.sh: the example is not built; run without CORVID_SKIP_BUILD=1" >&2
  exit 1
fi

JAVA="java"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
fi

node_pid=""
node_log=""
cleanup() {
  if [[ -n "$node_pid" ]] && kill -0 "$node_pid" 2>/dev/null; then
    kill "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  [[ -n "$node_log" ]] && rm -f "$node_log"
}
trap cleanup EXIT

args=("$@")
if [[ " $* " != *" --corvid "* ]]; then
  node_log="$(mktemp -t corvid-example-node.XXXXXX)"
  "$ROOT/bin/corvid" server --port 0 >"$node_log" 2>&1 &
  node_pid=$!
  port=""
  for _ in $(seq 1 $((NODE_START_TIMEOUT_SECONDS * 10))); do
    port="$(sed -n 's/.*ready to accept connections on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$node_log" | head -1)"
    [[ -n "$port" ]] && break
    if ! kill -0 "$node_pid" 2>/dev/null; then
      echo "run.sh: the Corvid node exited:" >&2; cat "$node_log" >&2; exit 1
    fi
    sleep 0.1
  done
  if [[ -z "$port" ]]; then
    echo "run.sh: the Corvid node did not start within ${NODE_START_TIMEOUT_SECONDS}s:" >&2; cat "$node_log" >&2; exit 1
  fi
  echo "started a Corvid node on 127.0.0.1:$port (pid $node_pid; stopped when the example ends)"
  args+=(--corvid "127.0.0.1:$port")
fi

"$JAVA" -cp "$HERE/target/classes:$(cat "$HERE/target/classpath.txt")" \
  io.corvid.examples.catalogue.ProductCatalogue "${args[@]}"
