package io.corvid.server.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corvid.resp.RespValue;
import io.corvid.server.testing.RawClient;
import io.corvid.server.testing.ServerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Differential test of CLIENT TRACKING: one multi-connection script run against a real Redis
 * ({@code redis-server} on the PATH; skipped where it is not installed) and a real Corvid node,
 * comparing every reply and every push, in the order each connection receives them.
 *
 * <p>Script lines: {@code X CMD args...} sends on connection X (a, c: RESP3; b, r: RESP2) and
 * records the next value X receives; {@code X?} records the next value without sending (a push
 * caused by another connection, or one that follows a reply); {@code X info:FIELD} records one
 * INFO field; {@code sleep N} waits N ms. {@code {x}} stands for connection x's client id; ids in
 * replies are recorded as {@code {x}} too, since the two servers number clients differently.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrackingConformanceTest {
  static final long START_TIMEOUT_MILLIS = 10_000;
  /** How long an expected push ({@code X?}) or reply may take before the step records "nothing". */
  static final long EXPECTED_PUSH_WAIT_MILLIS = 3_000;

  static final String SCRIPT = """
a CLIENT TRACKING
a CLIENT TRACKING maybe
a CLIENT TRACKING on PREFIX p
a CLIENT TRACKING on BCAST OPTIN
a CLIENT TRACKING on BCAST OPTOUT
a CLIENT TRACKING on OPTIN OPTOUT
a CLIENT TRACKING on OPTIN OPTOUT BCAST
a CLIENT TRACKING on OPTIN OPTOUT PREFIX x
a CLIENT TRACKING on REDIRECT 0
a CLIENT TRACKING on REDIRECT -1
a CLIENT TRACKING on REDIRECT 99999999
a CLIENT TRACKING on REDIRECT abc
a CLIENT TRACKING on REDIRECT
a CLIENT TRACKING on REDIRECT {b} REDIRECT {b}
a CLIENT TRACKING on REDIRECT {b} REDIRECT abc
a CLIENT TRACKING on FOO
a CLIENT TRACKING on PREFIX
a CLIENT TRACKING on BCAST PREFIX a PREFIX ab
a CLIENT TRACKING on BCAST PREFIX ab PREFIX a
a CLIENT TRACKING on BCAST PREFIX a PREFIX a
a CLIENT TRACKING on BCAST PREFIX "" PREFIX a
a CLIENT TRACKING off BCAST OPTIN OPTOUT
a CLIENT TRACKING off FOO
a CLIENT TRACKINGINFO
a CLIENT TRACKINGINFO x
a CLIENT GETREDIR
a CLIENT GETREDIR x
a CLIENT CACHING yes
a CLIENT CACHING no
a CLIENT CACHING maybe
a CLIENT CACHING
a CLIENT CACHING yes no
a CLIENT TRACKING on
a CLIENT CACHING yes
a CLIENT CACHING no
a CLIENT CACHING maybe
a CLIENT TRACKINGINFO
a CLIENT GETREDIR
a CLIENT TRACKING on BCAST
a CLIENT TRACKING on OPTIN
a CLIENT CACHING yes
a CLIENT TRACKINGINFO
a CLIENT TRACKING on OPTOUT
a CLIENT TRACKING on NOLOOP
a CLIENT TRACKINGINFO
a CLIENT TRACKING off
a CLIENT TRACKING off
a CLIENT TRACKINGINFO
a CLIENT TRACKING on
a GET k
b SET k 1
a?
b SET k 2
a PING
a MGET k k2
b MSET k2 1 k 2
a?
a?
a GET k
a SET k 3
a?
a GET k
a MULTI
a SET k 4
a GET k
a EXEC
a?
b SET k 5
a?
a STRLEN k
a EXISTS k nokey
b DEL k nokey
a?
b SET nokey 1
a?
a HGET h f
b HSET h f v
a?
a HLEN h
b HDEL h f
a?
b SET k v
a GET k
b EXPIRE k 100
a?
b EXPIRE k 200
a PING
a TTL k
b PERSIST k
a?
a TTL k
b PERSIST k
a PING
a GET k
b SELECT 1
b SET k x
a?
b SELECT 0
a GET k
b FLUSHDB
a?
a GET k
a FLUSHALL
a?
b info:tracking_total_keys
a GET k
b SET k 1
a?
b info:tracking_clients
b info:tracking_total_keys
b info:tracking_total_items
a GET k
a GET k2
b info:tracking_total_keys
b info:tracking_total_items
b MSET k 1 k2 2
a?
a?
a CLIENT TRACKING on NOLOOP
a GET k
a SET k 2
a GET k
b SET k 3
a?
a CLIENT TRACKING off
a CLIENT TRACKING on OPTIN
a GET o1
a CLIENT CACHING yes
a CLIENT GETNAME
a GET o2
a GET o3
b MSET o1 1 o2 2 o3 3
a?
a PING
a CLIENT CACHING yes
a MULTI
a GET o1
a GET o3
a EXEC
b MSET o1 1 o2 2 o3 3
a?
a?
a MULTI
a CLIENT CACHING yes
a GET o2
a EXEC
b MSET o1 1 o2 2 o3 3
a?
a CLIENT CACHING yes
a NOSUCHCOMMAND
a GET o1
b MSET o1 1 o2 2 o3 3
a PING
a CLIENT TRACKING off
a CLIENT TRACKING on OPTOUT
a GET o1
a CLIENT CACHING no
a GET o2
a GET o3
b MSET o1 1 o2 2 o3 3
a?
a?
a PING
a CLIENT TRACKING off
a MULTI
a CLIENT TRACKING on
a GET mk
a SET mk x
a GET mk
a EXEC
a?
a CLIENT TRACKING off
r SUBSCRIBE __redis__:invalidate
b CLIENT TRACKING on REDIRECT {r}
b CLIENT GETREDIR
b CLIENT TRACKINGINFO
b GET rk
a SET rk 1
r?
b GET rk
a FLUSHDB
r?
b CLIENT TRACKING on
b GET rk
a SET rk 2
b PING
r PING
c CLIENT TRACKING on BCAST PREFIX user: PREFIX obj:
c CLIENT TRACKINGINFO
b info:tracking_total_prefixes
a CLIENT TRACKING on BCAST NOLOOP
b MSET user:2 x user:1 y other z obj:1 w user:2 again
c?
c?
a?
a SET user:9 1
c?
a PING
c SET user:5 1
c?
a?
c GET user:1
b info:tracking_total_keys
c CLIENT TRACKING on BCAST PREFIX user:x
c CLIENT TRACKING on BCAST PREFIX zzz
c CLIENT TRACKING on
c CLIENT TRACKINGINFO
b FLUSHALL
a?
c?
a CLIENT TRACKING off
c CLIENT TRACKING off
b info:tracking_total_prefixes
b CONFIG GET tracking-table-max-keys
b CONFIG SET tracking-table-max-keys -1
b CONFIG SET tracking-table-max-keys abc
b CONFIG SET tracking-table-max-keys 10
b CONFIG GET tracking-table-max-keys
b CONFIG SET tracking-table-max-keys 1000000
a CLIENT TRACKING on REDIRECT {d}
a GET dk
d QUIT
sleep 200
b SET dk 1
a?
a CLIENT TRACKINGINFO
b FLUSHALL
a?
a CLIENT TRACKING on
a CLIENT TRACKINGINFO
a PING
c PING
""";

  Process redis;
  int redisPort;
  ServerProcess corvid;

  @BeforeAll
  void start() throws Exception {
    assumeTrue(onPath("redis-server"), "redis-server is not installed");
    try (ServerSocket probe = new ServerSocket(0)) {
      redisPort = probe.getLocalPort();
    }
    redis = new ProcessBuilder("redis-server", "--port", Integer.toString(redisPort), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    corvid = ServerProcess.start();
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
    while (true) {
      try (Socket s = new Socket("127.0.0.1", redisPort)) {
        break;
      } catch (IOException notYet) {
        assertThat(System.currentTimeMillis()).as("redis-server started").isLessThan(deadline);
        Thread.sleep(20);
      }
    }
  }

  @AfterAll
  void stop() throws InterruptedException {
    if (corvid != null) {
      corvid.close();
    }
    if (redis != null) {
      redis.destroy();
      if (!redis.waitFor(10, TimeUnit.SECONDS)) {
        redis.destroyForcibly();
      }
    }
  }

  private static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void sameRepliesAndPushesAsRedis() throws Exception {
    List<String> expected = run(redisPort);
    List<String> actual = run(corvid.port());
    List<String> differences = new ArrayList<>();
    for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
      String e = i < expected.size() ? expected.get(i) : "(missing)";
      String a = i < actual.size() ? actual.get(i) : "(missing)";
      if (!e.equals(a)) {
        differences.add("redis:  " + e + "\n    corvid: " + a);
      }
    }
    assertThat(differences).as("steps that differ from Redis").isEmpty();
  }

  /** Runs the script against one server and returns one line per step: the step and what it got. */
  private List<String> run(int port) throws Exception {
    Map<String, RawClient> clients = new LinkedHashMap<>();
    Map<Long, String> idNames = new LinkedHashMap<>();
    Map<String, Long> ids = new LinkedHashMap<>();
    for (String name : List.of("a", "b", "c", "d", "r")) {
      RawClient c = new RawClient("127.0.0.1", port);
      c.socket().setSoTimeout((int) EXPECTED_PUSH_WAIT_MILLIS);
      clients.put(name, c);
      long id = ((RespValue.Int) c.call("CLIENT", "ID")).value();
      ids.put(name, id);
      idNames.put(id, "{" + name + "}");
    }
    clients.get("a").call("HELLO", "3");
    clients.get("c").call("HELLO", "3");
    clients.get("b").call("FLUSHALL");
    List<String> transcript = new ArrayList<>();
    try {
      for (String line : SCRIPT.split("\n")) {
        line = line.strip();
        if (line.isEmpty()) {
          continue;
        }
        if (line.startsWith("sleep ")) {
          Thread.sleep(Long.parseLong(line.substring(6)));
          continue;
        }
        String who = line.substring(0, 1);
        RawClient c = clients.get(who);
        RespValue got;
        if (line.equals(who + "?")) {
          try {
            got = c.read();
          } catch (java.io.UncheckedIOException timeout) {
            got = RespValue.simple("(nothing within " + EXPECTED_PUSH_WAIT_MILLIS + " ms)");
          }
        } else if (line.startsWith(who + " info:")) {
          String field = line.substring((who + " info:").length());
          got = RespValue.simple(infoField(RawClient.text(c.call("INFO", "everything")), field));
        } else {
          String[] args = RedisConformanceTest.split(line.substring(2));
          for (int i = 0; i < args.length; i++) {
            if (args[i].matches("\\{[a-z]}")) {
              args[i] = Long.toString(ids.get(args[i].substring(1, 2)));
            }
          }
          got = c.call(args);
        }
        // Client ids appear in GETREDIR, TRACKINGINFO and tracking-redir-broken pushes only.
        boolean mayHoldIds = line.contains("GETREDIR") || line.contains("TRACKINGINFO") || got instanceof RespValue.Push;
        transcript.add(line + "  ->  " + normalize(got, mayHoldIds ? idNames : Map.of()));
      }
    } finally {
      clients.values().forEach(RawClient::close);
    }
    return transcript;
  }

  private static String infoField(String info, String field) {
    for (String l : info.split("\r\n")) {
      if (l.startsWith(field + ":")) {
        return l.substring(field.length() + 1);
      }
    }
    return "(absent)";
  }

  /** The value as text, with client ids replaced by the connection's name. */
  private static String normalize(RespValue v, Map<Long, String> idNames) {
    return switch (v) {
      case RespValue.Int i when idNames.containsKey(i.value()) -> idNames.get(i.value());
      case RespValue.Array a -> a.elements().stream().map(e -> normalize(e, idNames)).toList().toString();
      case RespValue.Push p -> ">" + p.elements().stream().map(e -> normalize(e, idNames)).toList();
      case RespValue.SetValue s -> "~" + s.elements().stream().map(e -> normalize(e, idNames)).toList();
      case RespValue.MapValue m -> "%" + m.entries().stream()
          .map(e -> normalize(e.key(), idNames) + "=" + normalize(e.value(), idNames)).toList();
      default -> v.toString();
    };
  }
}
