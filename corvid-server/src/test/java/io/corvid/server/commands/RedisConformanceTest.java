package io.corvid.server.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corvid.resp.ProtocolException;
import io.corvid.resp.RespReader;
import io.corvid.resp.RespValue;
import io.corvid.server.testing.ServerProcess;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Differential test: the same script of string, key and hash commands against a real Redis
 * ({@code redis-server} on the PATH; skipped where it is not installed) and a real Corvid node,
 * in RESP2 and RESP3, comparing every reply value and type. The script avoids what legitimately
 * differs (random picks, remaining TTLs, SCAN cursors, hash field order).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisConformanceTest {
  static final long START_TIMEOUT_MILLIS = 10_000;

  /** One command per line, split on spaces; "" is an empty argument. */
  static final String SCRIPT = """
GET k
SET k v
GET k
SET k v2 NX
SET k v3 XX GET
SET k v4 NX GET
SET n 1 XX GET
SET k v EX 0
SET k v PX -1
SET k v EX 9223372036854775807
SET k v EXAT 9223372036854775
SET k v KEEPTTL EX 10
SET k v EX 10 EX 20
SET k v NX XX
SET k v GET GET
SET k v PERSIST
SET k v EX
SET k v EX abc
SETNX k x
SETEX k 0 v
SETEX k abc v
PSETEX k -1 v
GETSET k new
GETDEL k
GETDEL k
GETEX k
SET k v
GETEX k NX
GETEX k PERSIST EX 10
GETEX k EX 0
GETEX k PERSIST
MSET a 1 b 2
MSET a 1 b
MGET a b c
MSETNX a 1 z 2
MSETNX y 1 z 2
INCR a
INCRBY a 10
DECRBY a -9223372036854775808
DECR a
INCRBY a abc
SET a 01
INCR a
SET a 9223372036854775807
INCR a
SET f 10.5
INCRBYFLOAT f 0.1
INCRBYFLOAT f 3.0e3
INCRBYFLOAT f inf
INCRBYFLOAT f nan
INCRBYFLOAT f abc
INCRBYFLOAT f 1e-300
APPEND s Hello
APPEND s " World"
STRLEN s
STRLEN none
GETRANGE s 0 4
GETRANGE s -5 -1
GETRANGE s -1 -5
GETRANGE s 5 1
GETRANGE s 100 200
GETRANGE none 0 -1
GETRANGE s x 1
SUBSTR s 0 2
SETRANGE s 6 Redis
SETRANGE pad 5 x
GET pad
SETRANGE s -1 x
SETRANGE s 536870912 x
SETRANGE none 3 ""
HSET h f v
GET h
SET h x GET
APPEND h x
INCR h
STRLEN h
GETRANGE h 0 1
SETRANGE h 0 x
MGET h a
DEL a b c none
UNLINK s pad
EXISTS k k none h
TYPE k
TYPE h
TYPE none
TOUCH k h none
TTL k
PTTL k
TTL none
EXPIRE k 100
TTL k
EXPIRE k 100 NX
EXPIRE k 200 GT
EXPIRE k 50 GT
EXPIRE k 50 LT
EXPIRE k 10 NX XX
EXPIRE k 10 GT LT
EXPIRE k 10 FOO
EXPIRE k abc
EXPIRE k 9223372036854776
EXPIRE k -9223372036854776
PEXPIRE k 9223372036854775807
PEXPIREAT k 9223372036854775807
EXPIREAT k 9223372036854776
PERSIST k
PERSIST k
TTL k
EXPIRE none 10
EXPIRE k -1
EXISTS k
SET k v
PEXPIREAT k 1
EXISTS k
RENAME none x
RENAME h h
RENAMENX h h
SET k v
RENAME k k2
RENAMENX k2 h
RENAMENX k2 k3
COPY k3 k4
COPY k3 k4
COPY k3 k4 REPLACE
COPY k3 k3
COPY k3 k3 DB 0
COPY k3 k3 DB 16
COPY k3 k3 DB x
COPY k3 k3 DB
COPY k3 k3 FOO
COPY none x
MOVE k3 0
MOVE k3 16
MOVE k3 x
MOVE none 1
MOVE k3 1
MOVE k4 1
SELECT 1
GET k3
SELECT 0
DBSIZE
FLUSHDB FOO
FLUSHDB SYNC ASYNC
KEYS nomatch*
SCAN x
SCAN 0 COUNT 0
SCAN 0 COUNT x
SCAN 0 MATCH
SCAN 0 FOO bar
SCAN 18446744073709551616
SCAN 0 NOVALUES
HSET h2 a 1 b 2
HSET h2 a
HMSET h2 a
HSET h2 a 9 c 3
HSETNX h2 a x
HSETNX h2 d 4
HGET h2 a
HGET h2 z
HGET none z
HMGET h2 a z d
HMGET none a b
HEXISTS h2 a
HEXISTS h2 z
HLEN h2
HLEN none
HSTRLEN h2 a
HSTRLEN h2 z
HDEL h2 a a z
HINCRBY h2 n 5
HINCRBY h2 n x
HINCRBY h2 n 1.5
HSET h2 s abc
HINCRBY h2 s 1
HINCRBYFLOAT h2 s 1
HINCRBYFLOAT h2 f 10.5
HINCRBYFLOAT h2 f 0.1
HINCRBYFLOAT h2 f inf
HINCRBYFLOAT h2 f nan
HINCRBY h2 m 9223372036854775807
HINCRBY h2 m 1
HGETALL none
HKEYS none
HVALS none
HSCAN none 0
HSCAN none 0 COUNT 0
HSCAN h2 x
HSCAN h2 0 COUNT 0
HSCAN h2 0 TYPE string
HSCAN h2 0 MATCH
HRANDFIELD none
HRANDFIELD none 5
HRANDFIELD h2 0
HRANDFIELD h2 x
HRANDFIELD h2 1 foo
HRANDFIELD h2 1 WITHVALUES x
HRANDFIELD h2 -9223372036854775808
HRANDFIELD h2 -4611686018427387904 WITHVALUES
SET str v
HGET str f
HSET str f v
HGETALL str
HRANDFIELD str
HSCAN str 0
HSCAN str 0 COUNT 0
HSET one f v
HRANDFIELD one
HRANDFIELD one -3
HRANDFIELD one -2 WITHVALUES
HRANDFIELD one 5 WITHVALUES
HGETALL one
HSCAN one 0
HSCAN one 0 MATCH f*
GET
SET k
HSET k
HGETALL
FLUSHALL
DBSIZE
KEYS *
SET x 1.5
INCRBYFLOAT x 0.000000000000000001
INCRBYFLOAT x -1.5
INCRBYFLOAT x 1e20
INCRBYFLOAT x -1e20
INCRBYFLOAT x 0x1p-3
INCRBYFLOAT x " 1"
INCRBYFLOAT x 1e5000
SET x 5.0e3
INCRBYFLOAT x 0
SET x 1e400
INCRBYFLOAT x 1
SET x -0
INCRBYFLOAT x 0
SET x 12345678901234567890
INCRBYFLOAT x 1
INCR x
SET x -9223372036854775808
INCR x
DECR x
INCRBY x -1
SET x ""
INCR x
INCRBYFLOAT x 1
SET x 123
APPEND x 456
INCR x
GETRANGE x 0 0
GETRANGE x -1 -1
GETRANGE x -100 -100
GETRANGE x 0 -100
GETRANGE x 9223372036854775807 9223372036854775807
GETRANGE x -9223372036854775808 -1
SETRANGE x 0 ""
SETRANGE x 2 ab
GET x
SET e ""
STRLEN e
GETRANGE e 0 -1
SETRANGE e 0 ""
HSET hh f ""
HSTRLEN hh f
HINCRBY hh f 1
HINCRBYFLOAT hh g 1e-5
HINCRBYFLOAT hh g 3
HGET hh g
HINCRBYFLOAT hh g -3.00001
HGET hh g
EXPIRE hh 100 XX GT
EXPIRE hh 100 NX
EXPIRE hh 50 XX GT
EXPIRE hh 200 XX LT
EXPIRE hh 200 GT XX
TYPE hh
COPY hh hh2
HGETALL hh2
TYPE hh2
RENAME hh2 x
TYPE x
HLEN x
SET k v EXAT 1
GET k
SET k v PXAT 1 GET
GETEX x PX 1
GETEX nokey EX 0
GETEX nokey EX x
GETEX nokey PERSIST
HDEL x f g
EXISTS x
HDEL x f
DEL
SET a b c
HMSET a
MGET
EXPIRE a
FLUSHALL ASYNC
FLUSHDB sync
FLUSHALL SYNC ASYNC
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

  @ParameterizedTest
  @ValueSource(strings = {"2", "3"})
  void sameRepliesAsRedis(String protocol) throws Exception {
    try (RawClient r = new RawClient(redisPort); RawClient c = new RawClient(corvid.port())) {
      for (RawClient client : List.of(r, c)) {
        client.call("HELLO", protocol);
        client.call("FLUSHALL");
      }
      List<String> differences = new ArrayList<>();
      for (String line : SCRIPT.split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        String[] args = split(line.strip());
        RespValue expected = r.call(args);
        RespValue actual = c.call(args);
        if (!expected.equals(actual)) {
          differences.add(line.strip() + "\n    redis:  " + expected + "\n    corvid: " + actual);
        }
      }
      assertThat(differences).as("replies that differ from Redis in RESP" + protocol).isEmpty();
    }
  }

  /** Splits on spaces; a double-quoted token may hold spaces and may be empty. */
  static String[] split(String line) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < line.length()) {
      if (line.charAt(i) == ' ') {
        i++;
      } else if (line.charAt(i) == '"') {
        int end = line.indexOf('"', i + 1);
        out.add(line.substring(i + 1, end));
        i = end + 1;
      } else {
        int end = line.indexOf(' ', i);
        end = end < 0 ? line.length() : end;
        out.add(line.substring(i, end));
        i = end;
      }
    }
    return out.toArray(new String[0]);
  }

  /** A blocking RESP client that returns each reply as the RESP module decodes it. */
  static final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final RespReader reader = new RespReader();
    private final ByteBuf buffer = Unpooled.buffer();
    private final byte[] chunk = new byte[8192];

    RawClient(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(10_000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    }

    RespValue call(String... args) throws IOException, ProtocolException {
      StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
      }
      out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (true) {
        RespValue v = reader.read(buffer);
        if (v != null) {
          return v;
        }
        int n = in.read(chunk);
        if (n < 0) {
          throw new IOException("connection closed");
        }
        buffer.discardReadBytes();
        buffer.writeBytes(chunk, 0, n);
      }
    }

    @Override
    public void close() throws IOException {
      buffer.release();
      socket.close();
    }
  }
}
