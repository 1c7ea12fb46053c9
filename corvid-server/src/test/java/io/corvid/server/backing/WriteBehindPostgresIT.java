package io.corvid.server.backing;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Write-behind against a real PostgreSQL and real node processes: coalescing and per-key order
 * while the database is held, dead letters and their retry, the version guard, the drain on
 * SIGTERM, and kill -9 with writes in flight followed by a restart that replays the log.
 *
 * <p>The kill -9 property runs {@value #DEFAULT_KILL_TRIALS} trials in the normal suite; {@code
 * -Dcorvid.writebehind.killTrials=20} runs more, and every run prints the count of acknowledged
 * writes lost (expected 0).
 */
class WriteBehindPostgresIT {
  static final int DEFAULT_KILL_TRIALS = 3;

  @TempDir
  Path dir;

  static String store(String prefix, String table, String extra) {
    return Pg.store(prefix, table, "value-column=payload mode=write-behind version-column=version " + extra);
  }

  static void table(String name) {
    Pg.exec("DROP TABLE IF EXISTS " + name,
        "CREATE TABLE " + name + " (id int PRIMARY KEY, payload text CHECK (payload <> 'poison'), version bigint)");
  }

  static Jedis jedis(ServerProcess s) {
    return new Jedis(s.host(), s.port(), 30_000);
  }

  static long info(ServerProcess s, String field) {
    return ReadThroughPostgresIT.infoLong(s, field);
  }

  @Test
  void coalescesPerKeyAndKeepsTheLastWrite() throws Exception {
    table("wb_coalesce");
    try (ServerProcess s = ServerProcess.start("--dir", dir.toString(), "--backing-store", store("c:", "wb_coalesce", ""));
        Jedis j = jedis(s);
        Connection lock = Pg.connect();
        Statement st = lock.createStatement()) {
      // Hold the table: the flusher's first batch waits, everything after it piles up and coalesces.
      lock.setAutoCommit(false);
      st.execute("LOCK TABLE wb_coalesce IN ACCESS EXCLUSIVE MODE");
      int keys = 10;
      int rounds = 100;
      for (int r = 1; r <= rounds; r++) {
        for (int k = 0; k < keys; k++) {
          assertThat(j.set("c:" + k, "v" + r)).isEqualTo("OK");
        }
      }
      assertThat(j.get("c:3")).isEqualTo("v" + rounds); // the cache has it at once
      assertThat(info(s, "writebehind_queue_depth")).isPositive();
      assertThat(info(s, "writebehind_oldest_pending_ms")).isNotNegative();
      lock.commit();
      Await.until("the queue drains", () -> info(s, "writebehind_queue_depth") == 0);
      for (int k = 0; k < keys; k++) {
        assertThat(Pg.queryString("SELECT payload FROM wb_coalesce WHERE id = " + k)).isEqualTo("v" + rounds);
      }
      // 1000 writes reached the database as at most one batch in flight plus one write per key.
      assertThat(info(s, "writebehind_flushed")).isLessThanOrEqualTo(2L * keys).isGreaterThanOrEqualTo(keys);
      // A delete after writes wins too.
      j.set("c:0", "last");
      j.del("c:0");
      Await.until("the delete is flushed", () -> Pg.queryLong("SELECT count(*) FROM wb_coalesce WHERE id = 0") == 0);
      assertThat(j.get("c:0")).isNull();
    }
  }

  @Test
  void failingWriteGoesToTheDeadLettersAndRetryFlushesIt() throws Exception {
    table("wb_dead");
    try (ServerProcess s = ServerProcess.start("--dir", dir.toString(), "--backing-store-max-attempts", "2",
        "--backing-store", store("d:", "wb_dead", ""));
        Jedis j = jedis(s)) {
      j.set("d:1", "fine");
      j.set("d:2", "poison");
      j.set("d:3", "also fine");
      Await.until("the poisoned write is a dead letter", () -> info(s, "writebehind_dead_letters") == 1);
      assertThat(Pg.queryString("SELECT payload FROM wb_dead WHERE id = 1")).isEqualTo("fine");
      assertThat(Pg.queryString("SELECT payload FROM wb_dead WHERE id = 3")).isEqualTo("also fine");
      assertThat(info(s, "writebehind_retries")).isPositive();
      @SuppressWarnings("unchecked")
      List<Object> dead = (List<Object>) j.sendCommand(() -> "BACKINGSTORE".getBytes(), "DEADLETTERS");
      assertThat(dead).hasSize(1);
      List<String> row = ((List<?>) dead.get(0)).stream().map(b -> new String((byte[]) b)).toList();
      assertThat(row.get(0)).isEqualTo("d:2");
      assertThat(row.get(3)).isEqualTo("2");
      assertThat(row.get(4)).contains("check constraint");
      Pg.exec("ALTER TABLE wb_dead DROP CONSTRAINT wb_dead_payload_check");
      assertThat(j.sendCommand(() -> "BACKINGSTORE".getBytes(), "RETRY")).isEqualTo(1L);
      Await.until("the retried write is flushed",
          () -> "poison".equals(Pg.queryString("SELECT payload FROM wb_dead WHERE id = 2")));
      assertThat(info(s, "writebehind_dead_letters")).isZero();
    }
  }

  @Test
  void aReplayedOrOlderWriteNeverOverwritesANewerRow() {
    table("wb_version");
    Pg.exec("INSERT INTO wb_version VALUES (1, 'from the future', 9000000000000000000)");
    try (ServerProcess s = ServerProcess.start("--dir", dir.toString(), "--backing-store", store("v:", "wb_version", ""));
        Jedis j = jedis(s)) {
      j.set("v:1", "older");
      j.set("v:2", "new row");
      Await.until("flushed", () -> info(s, "writebehind_flushed") >= 2 && info(s, "writebehind_queue_depth") == 0);
      assertThat(Pg.queryString("SELECT payload FROM wb_version WHERE id = 1")).isEqualTo("from the future");
      assertThat(Pg.queryString("SELECT payload FROM wb_version WHERE id = 2")).isEqualTo("new row");
    }
  }

  /**
   * The clock stepped back an hour since the previous run, which wrote its rows with versions an
   * hour ahead of the clock now (its ceiling file says so): new writes must still win over them.
   * With bare wall-clock versions they would be an hour too low and the version guard would drop
   * them.
   */
  @Test
  void writesAfterARestartWithTheClockSteppedBackStillWin() throws Exception {
    table("wb_clock");
    long previousRunMicros = System.currentTimeMillis() * 1000 + 3_600_000_000L;
    Pg.exec("INSERT INTO wb_clock VALUES (1, 'previous run', " + previousRunMicros + ")");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(Versions.FILE), (previousRunMicros + 1) + "\n");
    try (ServerProcess s = ServerProcess.start("--dir", dir.toString(), "--backing-store", store("t:", "wb_clock", ""));
        Jedis j = jedis(s)) {
      j.set("t:1", "after the restart");
      Await.until("the new write reached the row",
          () -> "after the restart".equals(Pg.queryString("SELECT payload FROM wb_clock WHERE id = 1")));
      assertThat(Pg.queryLong("SELECT version FROM wb_clock WHERE id = 1")).isGreaterThan(previousRunMicros);
      assertThat(Long.parseLong(Files.readString(dir.resolve(Versions.FILE)).trim())).isGreaterThan(previousRunMicros);
    }
  }

  @Test
  void sigtermDrainsTheQueue() throws Exception {
    table("wb_drain");
    ServerProcess s = ServerProcess.start("--dir", dir.toString(), "--backing-store", store("g:", "wb_drain", ""));
    try (Jedis j = jedis(s); Connection lock = Pg.connect(); Statement st = lock.createStatement()) {
      lock.setAutoCommit(false);
      st.execute("LOCK TABLE wb_drain IN ACCESS EXCLUSIVE MODE");
      for (int i = 0; i < 200; i++) {
        j.set("g:" + i, "x" + i);
      }
      assertThat(info(s, "writebehind_queue_depth")).isPositive();
      Thread release = new Thread(() -> {
        try {
          Thread.sleep(500);
          lock.commit();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      release.start();
      assertThat(s.terminate()).isZero();
      release.join();
    } finally {
      s.close();
    }
    assertThat(Pg.queryLong("SELECT count(*) FROM wb_drain")).isEqualTo(200);
    assertThat(Files.size(dir.resolve(WriteBehind.LOG_FILE))).isZero();
  }

  @Test
  void killDashNineLosesNoAcknowledgedWrite() throws Exception {
    int trials = Integer.getInteger("corvid.writebehind.killTrials", DEFAULT_KILL_TRIALS);
    long lostTotal = 0;
    long ackedTotal = 0;
    for (int t = 0; t < trials; t++) {
      String fsync = t % 3 == 2 ? "always" : "everysec";
      Path trialDir = dir.resolve("trial-" + t);
      long[] result = killTrial("wb_kill", trialDir, fsync);
      ackedTotal += result[0];
      lostTotal += result[1];
      System.out.printf("write-behind kill -9 trial %d (fsync %s): %d acknowledged writes, %d lost%n", t + 1, fsync,
          result[0], result[1]);
    }
    System.out.printf("write-behind kill -9: %d trials, %d acknowledged writes, %d lost%n", trials, ackedTotal, lostTotal);
    // Each trial waits for 50 keys to have an acknowledged write before it kills the node.
    assertThat(ackedTotal).as("acknowledged writes").isGreaterThanOrEqualTo(trials * 50L);
    assertThat(lostTotal).isZero();
  }

  /** One trial: writers run, the node is killed -9 mid-stream, restarted on the same dir; returns {acked, lost}. */
  private long[] killTrial(String table, Path trialDir, String fsync) throws Exception {
    table(table);
    String spec = store("k:", table, "");
    Map<Integer, Integer> acked = new ConcurrentHashMap<>();
    java.util.concurrent.atomic.AtomicLong ackCount = new java.util.concurrent.atomic.AtomicLong();
    ServerProcess s = ServerProcess.start("--dir", trialDir.toString(), "--backing-store-fsync", fsync, "--backing-store", spec);
    AtomicBoolean stop = new AtomicBoolean();
    int writers = 4;
    int keysPerWriter = 50;
    Thread[] threads = new Thread[writers];
    for (int w = 0; w < writers; w++) {
      int base = w * keysPerWriter;
      threads[w] = new Thread(() -> {
        try (Jedis j = jedis(s)) {
          for (int seq = 1; !stop.get(); seq++) {
            int key = base + ThreadLocalRandom.current().nextInt(keysPerWriter);
            j.set("k:" + key, Integer.toString(seq));
            acked.merge(key, seq, Math::max);
            ackCount.incrementAndGet();
          }
        } catch (redis.clients.jedis.exceptions.JedisConnectionException e) {
          // the node died under us: writes without an OK are not counted
        } catch (RuntimeException e) {
          e.printStackTrace(System.out);
          throw e;
        }
      });
      threads[w].start();
    }
    // A fresh JVM on a busy box can take a while to answer its first writes: wait for some, then
    // kill at a random moment while the writers are going.
    Await.until("writers are acknowledged", () -> acked.size() >= 50);
    Thread.sleep(200 + ThreadLocalRandom.current().nextInt(800));
    s.kill();
    stop.set(true);
    for (Thread th : threads) {
      th.join();
    }
    // Restart on the same dir: the log is replayed and flushed.
    try (ServerProcess again = ServerProcess.start("--dir", trialDir.toString(), "--backing-store", spec)) {
      Await.until("the replayed queue drains", 60_000, () -> info(again, "writebehind_queue_depth") == 0);
      Map<Integer, Integer> db = new HashMap<>();
      try (Connection c = Pg.connect(); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT id, payload FROM " + table)) {
        while (rs.next()) {
          db.put(rs.getInt(1), Integer.parseInt(rs.getString(2)));
        }
      }
      long lost = 0;
      try (Jedis j = jedis(again)) {
        for (Map.Entry<Integer, Integer> e : acked.entrySet()) {
          Integer inDb = db.get(e.getKey());
          // Each writer owns its keys and writes them with growing numbers: the database must hold
          // the last acknowledged number or a later one (sent, logged, but killed before its OK).
          if (inDb == null || inDb < e.getValue()) {
            lost++;
          }
          String cached = j.get("k:" + e.getKey());
          if (cached == null || Integer.parseInt(cached) < e.getValue()) {
            lost++;
          }
        }
      }
      return new long[] {ackCount.get(), lost};
    }
  }
}
