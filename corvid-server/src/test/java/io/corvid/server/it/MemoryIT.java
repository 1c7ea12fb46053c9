package io.corvid.server.it;

import static io.corvid.server.testing.RawClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.resp.RespValue;
import io.corvid.server.testing.RawClient;
import io.corvid.server.testing.ServerProcess;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** maxmemory at runtime (evictions, OOM) and active expiry of a large backlog. */
class MemoryIT {
  static ServerProcess server;

  @BeforeAll
  static void start() {
    server = ServerProcess.start("--io-threads", "2");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static long stat(RawClient c, String section, String field) {
    return text(c.call("INFO", section)).lines().filter(l -> l.startsWith(field + ":")).findFirst()
        .map(l -> Long.parseLong(l.substring(field.length() + 1).trim())).orElseThrow();
  }

  /** Pipelines {@code n} SETs in one write and reads the n replies. */
  private static void fill(RawClient c, String prefix, int n, String... extra) {
    fill(c, prefix, n, 0, extra);
  }

  private static void fill(RawClient c, String prefix, int n, int valueBytes, String... extra) {
    String pad = "p".repeat(valueBytes);
    ByteArrayOutputStream batch = new ByteArrayOutputStream();
    int sent = 0;
    for (int i = 0; i < n; i++) {
      String[] args = new String[3 + extra.length];
      args[0] = "SET";
      args[1] = prefix + i;
      args[2] = "value-" + i + pad;
      System.arraycopy(extra, 0, args, 3, extra.length);
      batch.writeBytes(RawClient.encode(args));
      if (batch.size() > 1 << 20 || i == n - 1) {
        c.send(batch.toByteArray());
        batch.reset();
        for (; sent <= i; sent++) {
          RespValue r = c.read();
          assertThat(text(r)).isEqualTo("OK");
        }
      }
    }
  }

  @Test
  void loweringMaxmemoryEvictsAndNoevictionRefusesWrites() {
    try (RawClient c = new RawClient(server)) {
      c.call("SELECT", "1");
      c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
      // The engine's fixed overhead (index pages kept after earlier tests) is not evictable:
      // measure it, and set the bound halfway between it and the filled size.
      long base = stat(c, "memory", "used_memory");
      fill(c, "ev:", 20_000, 1000);
      long used = stat(c, "memory", "used_memory");
      long evictedBefore = stat(c, "stats", "evicted_keys");
      long bound = base + (used - base) / 2;
      assertThat(text(c.call("CONFIG", "SET", "maxmemory", Long.toString(bound)))).isEqualTo("OK");
      assertThat(stat(c, "memory", "used_memory")).isLessThanOrEqualTo(bound + bound / 50);
      assertThat(stat(c, "stats", "evicted_keys") - evictedBefore).isGreaterThan(1000);
      assertThat(((RespValue.Int) c.call("DBSIZE")).value()).isLessThan(20_000);

      c.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
      RespValue r = null;
      for (int i = 0; i < 100_000; i++) {
        r = c.call("SET", "oom:" + i, "x".repeat(100));
        if (!(r instanceof RespValue.SimpleString)) {
          break;
        }
      }
      assertThat(text(r)).isEqualTo("OOM command not allowed when used memory > 'maxmemory'.");
      // inside MULTI the OOM is reported at queue time and aborts the transaction
      c.call("MULTI");
      assertThat(text(c.call("SET", "oomtx", "x".repeat(100)))).isEqualTo("OOM command not allowed when used memory > 'maxmemory'.");
      assertThat(text(c.call("EXEC"))).startsWith("EXECABORT");
      // reads and deletes still work at the limit
      assertThat(c.call("GET", "nokey")).isEqualTo(RespValue.Null.INSTANCE);
      assertThat(c.call("DEL", "oom:0")).isInstanceOf(RespValue.Int.class);
    } finally {
      try (RawClient c = new RawClient(server)) {
        c.call("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction");
        c.call("FLUSHALL");
      }
    }
  }

  @Test
  void aMillionKeysWithOneSecondTtlAreGoneWithinSecondsWhileClientsAreServed() throws Exception {
    int keys = 1_000_000;
    try (RawClient c = new RawClient(server); RawClient probe = new RawClient(server)) {
      c.call("SELECT", "2");
      long start = System.nanoTime();
      fill(c, "ttl:", keys, "PX", "1000");
      long loadedMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(((RespValue.Int) c.call("DBSIZE")).value()).isGreaterThan(0);
      long deadline = System.currentTimeMillis() + 15_000;
      long worstPingMillis = 0;
      while (((RespValue.Int) c.call("DBSIZE")).value() > 0 && System.currentTimeMillis() < deadline) {
        long t = System.nanoTime();
        assertThat(text(probe.call("PING"))).isEqualTo("PONG");
        worstPingMillis = Math.max(worstPingMillis, (System.nanoTime() - t) / 1_000_000);
        Thread.sleep(20);
      }
      assertThat(((RespValue.Int) c.call("DBSIZE")).value()).as("keys left (loaded in %d ms)", loadedMillis).isZero();
      // Slices of 1000 keys under the lock: a client waits at most one slice (generous bound for loaded CI machines).
      assertThat(worstPingMillis).as("a client waited behind active expiry").isLessThan(1000);
      assertThat(stat(c, "stats", "expired_keys")).isGreaterThanOrEqualTo(keys);
    }
  }

  @Test
  void evictingAWatchedKeyAbortsTheTransaction() {
    try (RawClient watcher = new RawClient(server); RawClient filler = new RawClient(server)) {
      watcher.call("SELECT", "3");
      filler.call("SELECT", "3");
      filler.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
      watcher.call("SET", "watched", "v");
      assertThat(text(watcher.call("WATCH", "watched"))).isEqualTo("OK");
      long base = stat(filler, "memory", "used_memory");
      fill(filler, "fill:", 10_000, 1000);
      long used = stat(filler, "memory", "used_memory");
      filler.call("CONFIG", "SET", "maxmemory", Long.toString(base + (used - base) / 2));
      // the least recently used key, the watched one, was evicted
      assertThat(filler.call("EXISTS", "watched")).isEqualTo(RespValue.integer(0));
      watcher.call("MULTI");
      watcher.call("SET", "watched", "mine");
      assertThat(watcher.call("EXEC")).isEqualTo(RespValue.Null.INSTANCE);
    } finally {
      try (RawClient c = new RawClient(server)) {
        c.call("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction");
        c.call("FLUSHALL");
      }
    }
  }
}
