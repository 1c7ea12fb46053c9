package io.corvid.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.client.connection.NodeConnection;
import io.corvid.client.testing.RedisProcess;
import io.corvid.server.testing.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Connections against a real Corvid node and real redis-server processes. */
class ConnectionIT {
  private static ServerProcess corvid;

  @BeforeAll
  static void startCorvid() {
    corvid = ServerProcess.start();
  }

  @AfterAll
  static void stopCorvid() {
    corvid.close();
  }

  private static String corvidAddress() {
    return corvid.host() + ":" + corvid.port();
  }

  @Test
  void manyThreadsShareOnePipelinedConnection() throws Exception {
    int threads = 16;
    int perThread = 2000;
    try (CorvidClient client = CorvidClient.connect(corvidAddress())) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          List<CompletableFuture<Boolean>> sets = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            sets.add(client.async().set("t" + id + ":" + i, "v" + id + ":" + i));
          }
          sets.forEach(CompletableFuture::join);
          List<CompletableFuture<String>> gets = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            gets.add(client.async().get("t" + id + ":" + i));
          }
          for (int i = 0; i < perThread; i++) {
            assertThat(gets.get(i).join()).isEqualTo("v" + id + ":" + i);
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdown();
      // One connection carried all of it: the node sees exactly one client besides ours.
      try (Jedis jedis = new Jedis(corvid.host(), corvid.port())) {
        assertThat(jedis.clientList().lines().count()).isEqualTo(2);
      }
      assertThat(client.sync().get("t15:1999")).isEqualTo("v15:1999");
      // Writes from many threads were coalesced: far fewer flushes than commands.
      NodeConnection conn = connection(client);
      assertThat(conn.commandsWritten()).isGreaterThanOrEqualTo(2L * threads * perThread);
      assertThat(conn.flushes()).isLessThan(conn.commandsWritten() / 4);
    }
  }

  @Test
  void negotiatesResp3AndCanStayOnResp2() {
    try (CorvidClient c3 = CorvidClient.connect(corvidAddress());
        CorvidClient c2 = CorvidClient.connect(ClientOptions.builder().resp3(false).build(), corvidAddress())) {
      assertThat(connection(c3).protocol()).isEqualTo(3);
      assertThat(connection(c2).protocol()).isEqualTo(2);
      c3.sync().hset("h".getBytes(), "f", "v".getBytes());
      // HGETALL is a map in RESP3 and a flat array in RESP2: both decode the same.
      assertThat(c3.sync().hgetall("h".getBytes())).containsOnlyKeys("f");
      assertThat(c2.sync().hgetall("h".getBytes())).containsOnlyKeys("f");
    }
  }

  @Test
  void fallsBackToResp2WhenTheServerDoesNotKnowHello() {
    try (RedisProcess redis = RedisProcess.start("--rename-command", "HELLO", "");
        CorvidClient client = CorvidClient.connect(redis.address())) {
      assertThat(connection(client).protocol()).isEqualTo(2);
      client.sync().set("k", "v");
      assertThat(client.sync().get("k")).isEqualTo("v");
    }
  }

  @Test
  void authenticatesWithPasswordOnCorvidAndRedis() {
    try (ServerProcess secured = ServerProcess.start("--requirepass", "s3cret");
        RedisProcess redis = RedisProcess.start("--requirepass", "s3cret")) {
      for (String address : List.of(secured.host() + ":" + secured.port(), redis.address())) {
        for (boolean resp3 : new boolean[] {true, false}) {
          ClientOptions good = ClientOptions.builder().password("s3cret").resp3(resp3).build();
          try (CorvidClient client = CorvidClient.connect(good, address)) {
            assertThat(client.sync().ping()).isEqualTo("PONG");
          }
          ClientOptions bad = ClientOptions.builder().password("wrong").resp3(resp3).build();
          assertThatThrownBy(() -> CorvidClient.connect(bad, address))
              .isInstanceOf(ConnectException.class)
              .hasMessageContaining("WRONGPASS");
        }
        // Without a password a RESP3 handshake is refused; a RESP2 client gets NOAUTH on its first command.
        assertThatThrownBy(() -> CorvidClient.connect(address)).isInstanceOf(ConnectException.class).hasMessageContaining("NOAUTH");
      }
    }
  }

  @Test
  void authenticatesAnAclUserOnRedis() {
    try (RedisProcess redis = RedisProcess.start("--user", "alice", "on", ">pw", "~app:*", "+@all")) {
      ClientOptions alice = ClientOptions.builder().credentials("alice", "pw").clientName("alice-app").build();
      try (CorvidClient client = CorvidClient.connect(alice, redis.address())) {
        client.sync().set("app:1", "x");
        assertThat(client.sync().get("app:1")).isEqualTo("x");
        // The ACL is really in force: a key outside ~app:* is refused.
        assertThatThrownBy(() -> client.sync().set("other", "x")).isInstanceOf(ServerErrorException.class).hasMessageStartingWith("NOPERM");
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
          assertThat(jedis.clientList()).contains("name=alice-app").contains("user=alice");
        }
      }
      ClientOptions resp2 = ClientOptions.builder().credentials("alice", "pw").resp3(false).build();
      try (CorvidClient client = CorvidClient.connect(resp2, redis.address())) {
        assertThat(client.sync().get("app:1")).isEqualTo("x");
      }
    }
  }

  @Test
  void reconnectsAfterTheServerRestartsAndSendsWhatWasQueued() throws Exception {
    ClientOptions options = ClientOptions.builder()
        .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200))
        .retryTimeout(Duration.ofSeconds(30))
        .commandTimeout(Duration.ofSeconds(30))
        .build();
    try (RedisProcess redis = RedisProcess.start(); CorvidClient client = CorvidClient.connect(options, redis.address())) {
      client.sync().set("before", "1");
      NodeConnection conn = connection(client);
      redis.kill();
      awaitCondition(() -> !conn.isConnected());
      // Sent while the node is down: queued, known not sent, so even the write goes out later.
      CompletableFuture<Boolean> write = client.async().set("during", "2");
      CompletableFuture<String> read = client.async().get("before");
      Thread.sleep(300);
      assertThat(write).isNotDone();
      redis.restart();
      assertThat(write.get(30, TimeUnit.SECONDS)).isTrue();
      assertThat(read.get(30, TimeUnit.SECONDS)).isNull(); // a new, empty redis
      assertThat(client.sync().get("during")).isEqualTo("2");
      assertThat(conn.connectionCount()).isEqualTo(2);
    }
  }

  @Test
  void aWriteInFlightWhenTheConnectionBreaksIsNotRetriedButAReadIs() throws Exception {
    ClientOptions options = ClientOptions.builder()
        .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(100))
        .retryTimeout(Duration.ofSeconds(20))
        .build();
    try (RedisProcess redis = RedisProcess.start(); CorvidClient client = CorvidClient.connect(options, redis.address());
        Jedis admin = new Jedis("127.0.0.1", redis.port())) {
      client.sync().set("k", "v");
      admin.clientPause(2000);
      CompletableFuture<Boolean> write = client.async().set("k", "w");
      CompletableFuture<String> read = client.async().get("k");
      Thread.sleep(200); // both written, waiting for replies behind the pause
      connection(client).disconnect();
      assertThatThrownBy(() -> write.get(20, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ConnectionLostException.class)
          .satisfies(e -> assertThat(((ConnectionLostException) e.getCause()).wasSent()).isTrue());
      assertThat(read.get(20, TimeUnit.SECONDS)).isIn("v", "w");
    }
  }

  @Test
  void commandTimeoutFailsTheCommandAndTheConnectionStaysUsable() throws Exception {
    ClientOptions options = ClientOptions.builder().commandTimeout(Duration.ofMillis(300)).build();
    try (RedisProcess redis = RedisProcess.start(); CorvidClient client = CorvidClient.connect(options, redis.address());
        Jedis admin = new Jedis("127.0.0.1", redis.port())) {
      admin.clientPause(1500);
      long start = System.nanoTime();
      assertThatThrownBy(() -> client.sync().get("k")).isInstanceOf(CommandTimeoutException.class).hasMessageContaining("timed out after 300 ms");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(300);
      awaitCondition(() -> {
        try {
          return "PONG".equals(client.sync().ping());
        } catch (CommandTimeoutException e) {
          return false;
        }
      });
      client.sync().set("k", "after");
      assertThat(client.sync().get("k")).isEqualTo("after"); // late replies were skipped, not misread
    }
  }

  @Test
  void closeFailsPendingCommandsAndStopsTheThreads() throws Exception {
    try (RedisProcess redis = RedisProcess.start(); Jedis admin = new Jedis("127.0.0.1", redis.port())) {
      CorvidClient client = CorvidClient.connect(redis.address());
      client.sync().ping();
      admin.clientPause(3000);
      CompletableFuture<String> pending = client.async().get("k");
      Thread.sleep(100);
      client.close();
      assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ClientClosedException.class);
      assertThatThrownBy(() -> client.sync().get("k")).isInstanceOf(ClientClosedException.class);
      awaitCondition(() -> Thread.getAllStackTraces().keySet().stream()
          .noneMatch(t -> t.getName().startsWith("corvid-client") && t.isAlive()));
    }
  }

  @Test
  void aServerThatAcceptsButNeverAnswersFailsTheHandshakeWithinTheCommandTimeout() throws Exception {
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        List<java.net.Socket> held = new ArrayList<>();
        try {
          while (true) {
            held.add(silent.accept()); // read nothing, answer nothing
          }
        } catch (java.io.IOException closed) {
          // test over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      ClientOptions options = ClientOptions.builder().commandTimeout(Duration.ofMillis(500)).build();
      long start = System.nanoTime();
      assertThatThrownBy(() -> CorvidClient.connect(options, "127.0.0.1:" + silent.getLocalPort()))
          .isInstanceOf(ConnectException.class);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(500);
    }
  }

  @Test
  void connectingToNothingFailsWithConnectException() {
    int port = RedisProcess.freePort();
    assertThatThrownBy(() -> CorvidClient.connect("127.0.0.1:" + port))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("127.0.0.1:" + port);
  }

  @Test
  void aSecondSeedIsTriedWhenTheFirstIsDown() {
    int port = RedisProcess.freePort();
    try (CorvidClient client = CorvidClient.connect("127.0.0.1:" + port, corvidAddress())) {
      assertThat(client.sync().ping()).isEqualTo("PONG");
      assertThat(client.isCluster()).isFalse();
    }
  }

  @Test
  void queuedCommandsBeyondTheLimitFailAtOnce() throws Exception {
    ClientOptions options = ClientOptions.builder().maxQueuedCommands(5).retryTimeout(Duration.ofSeconds(30)).build();
    try (RedisProcess redis = RedisProcess.start(); CorvidClient client = CorvidClient.connect(options, redis.address())) {
      NodeConnection conn = connection(client);
      redis.kill();
      awaitCondition(() -> !conn.isConnected());
      List<CompletableFuture<String>> queued = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        queued.add(client.async().get("k"));
      }
      CompletableFuture<String> sixth = client.async().get("k");
      assertThatThrownBy(() -> sixth.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(CorvidException.class)
          .hasMessageContaining("more than 5 commands queued")
          .hasMessageContaining("maxQueuedCommands");
      redis.restart();
      for (CompletableFuture<String> f : queued) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isNull();
      }
    }
  }

  @Test
  void binaryValuesRoundTrip() {
    try (CorvidClient client = CorvidClient.connect(corvidAddress())) {
      byte[] key = {0, 1, '\r', '\n', (byte) 0xff};
      byte[] value = new byte[70_000];
      for (int i = 0; i < value.length; i++) {
        value[i] = (byte) i;
      }
      client.sync().set(key, value);
      assertThat(client.sync().get(key)).isEqualTo(value);
      assertThat(client.sync().get("missing".getBytes(StandardCharsets.UTF_8))).isNull();
    }
  }

  static NodeConnection connection(CorvidClient client) {
    return client.router().connection(client.router().nodes().get(0));
  }

  static void awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(20);
    }
  }
}
