package io.corvid.server.it;

import static io.corvid.server.testing.RawClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.resp.RespValue;
import io.corvid.server.testing.RawClient;
import io.corvid.server.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;

/** Starting from a config file, stopping with SHUTDOWN and SIGTERM, and refusing bad configuration. */
class LifecycleIT {

  @Test
  void shutdownCommandStopsTheNodeWithExitCodeZero() throws Exception {
    try (ServerProcess s = ServerProcess.start()) {
      try (RawClient c = new RawClient(s); RawClient other = new RawClient(s)) {
        c.call("SET", "k", "v");
        assertThat(text(c.call("SHUTDOWN", "ABORT"))).isEqualTo("ERR No shutdown in progress.");
        assertThat(text(c.call("SHUTDOWN", "BOGUS"))).isEqualTo("ERR syntax error");
        c.command("SHUTDOWN", "NOSAVE");
        assertThat(c.closedByServer(10_000)).isTrue();
        assertThat(other.closedByServer(10_000)).isTrue();
      }
      assertThat(s.waitForExit(20, TimeUnit.SECONDS)).isZero();
      long deadline = System.currentTimeMillis() + 5000;
      while (s.output().stream().noneMatch(l -> l.contains("ready to exit")) && System.currentTimeMillis() < deadline) {
        Thread.sleep(20); // the output pump may still be reading the last lines
      }
      assertThat(s.output()).anyMatch(l -> l.contains("User requested shutdown"))
          .anyMatch(l -> l.contains("ready to exit"));
    }
  }

  @Test
  void sigtermStopsTheNodeWithExitCodeZero() throws Exception {
    try (ServerProcess s = ServerProcess.start()) {
      try (RawClient c = new RawClient(s)) {
        assertThat(text(c.call("PING"))).isEqualTo("PONG");
        // kill(1) rather than Process.destroy(), which also closes the pipes we read the log from
        assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(s.pid())).start().waitFor()).isZero();
        assertThat(c.closedByServer(5000)).isTrue();
        assertThat(s.waitForExit(20, TimeUnit.SECONDS)).isZero();
      }
      long deadline = System.currentTimeMillis() + 5000;
      while (s.output().stream().noneMatch(l -> l.contains("ready to exit")) && System.currentTimeMillis() < deadline) {
        Thread.sleep(20); // the output pump may still be reading the last lines
      }
      assertThat(s.output()).anyMatch(l -> l.contains("Received SIGTERM")).anyMatch(l -> l.contains("ready to exit"));
    }
  }

  @Test
  void configFileIsLoadedAndTheCommandLineOverridesIt(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("corvid.conf");
    Files.writeString(conf, """
        # a comment
        maxmemory 10mb
        maxmemory-policy allkeys-lfu
        databases 4
        requirepass "se cret"
        hz 20
        client-output-buffer-limit pubsub 1mb 512kb 5
        slowlog-max-len 7
        """);
    try (ServerProcess s = ServerProcess.start("--config", conf.toString(), "--hz", "15", "--databases", "8")) {
      assertThat(s.output()).anyMatch(l -> l.contains("maxmemory 10mb, maxmemory-policy allkeys-lfu, databases 8"));
      try (Jedis j = Clients.jedis(s, RedisProtocol.RESP3, "se cret")) {
        assertThat(j.configGet("maxmemory")).containsEntry("maxmemory", "10485760");
        assertThat(j.configGet("hz")).containsEntry("hz", "15");
        assertThat(j.configGet("databases")).containsEntry("databases", "8");
        assertThat(j.configGet("slowlog-max-len")).containsEntry("slowlog-max-len", "7");
        assertThat(j.configGet("client-output-buffer-limit").get("client-output-buffer-limit")).endsWith("pubsub 1048576 524288 5");
        assertThat(j.select(7)).isEqualTo("OK");
      }
    }
  }

  @Test
  void requirepassGuardsEveryCommandButAuthHelloQuit() throws Exception {
    try (ServerProcess s = ServerProcess.start("--requirepass", "pw")) {
      try (RawClient c = new RawClient(s)) {
        assertThat(text(c.call("GET", "k"))).isEqualTo("NOAUTH Authentication required.");
        assertThat(text(c.call("PING"))).isEqualTo("NOAUTH Authentication required.");
        assertThat(text(c.call("NOSUCH"))).startsWith("ERR unknown command");
        assertThat(text(c.call("AUTH", "wrong"))).isEqualTo("WRONGPASS invalid username-password pair or user is disabled.");
        assertThat(text(c.call("AUTH", "someone", "pw"))).isEqualTo("WRONGPASS invalid username-password pair or user is disabled.");
        assertThat(text(c.call("HELLO", "3"))).startsWith("NOAUTH HELLO must be called with the client already authenticated");
        assertThat(c.call("HELLO", "3", "AUTH", "default", "pw")).isInstanceOf(RespValue.MapValue.class);
        assertThat(text(c.call("PING"))).isEqualTo("PONG");
        assertThat(text(c.call("RESET"))).isEqualTo("RESET");
        assertThat(text(c.call("PING"))).isEqualTo("NOAUTH Authentication required.");
        assertThat(text(c.call("AUTH", "default", "pw"))).isEqualTo("OK");
        assertThat(text(c.call("QUIT"))).isEqualTo("OK");
      }
      try (Jedis j = Clients.jedis(s, RedisProtocol.RESP2, "pw")) {
        assertThat(j.ping()).isEqualTo("PONG");
        // CONFIG SET requirepass applies to new connections
        j.configSet("requirepass", "");
      }
      try (RawClient c = new RawClient(s)) {
        assertThat(text(c.call("PING"))).isEqualTo("PONG");
      }
    }
  }

  @Test
  void badConfigurationFailsStartupWithAClearMessage(@TempDir Path dir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
        System.getProperty("java.class.path"), "io.corvid.server.Main", "server", "--port", "0", "--maxmemory", "lots")
        .redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
    assertThat(out).contains("FATAL CONFIG ERROR").contains("maxmemory").contains("argument must be a memory value");

    Path conf = dir.resolve("bad.conf");
    Files.writeString(conf, "port 0\nno-such-directive yes\n");
    Process p2 = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
        System.getProperty("java.class.path"), "io.corvid.server.Main", "server", "--config", conf.toString())
        .redirectErrorStream(true).start();
    String out2 = new String(p2.getInputStream().readAllBytes());
    assertThat(p2.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p2.exitValue()).isNotZero();
    assertThat(out2).contains("line 2").contains("no-such-directive");
  }
}
