package io.corvid.server.backing;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.testing.ServerProcess;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Every INFO backingstore counter an operator watches moves when its event happens, against a
 * real PostgreSQL and a real node: loads, database queries saved, the write-behind queue's depth,
 * the oldest pending write's age, appends, rows flushed and the flush rate, retries, dead letters
 * and fsyncs.
 */
class BackingStoreCountersIT {
  @TempDir
  Path dir;

  static long info(ServerProcess s, String field) {
    return ReadThroughPostgresIT.infoLong(s, field);
  }

  static double infoDouble(ServerProcess s, String field) {
    try (Jedis j = new Jedis(s.host(), s.port(), 30_000)) {
      for (String line : j.info("backingstore").split("\r\n")) {
        if (line.startsWith(field + ":")) {
          return Double.parseDouble(line.substring(field.length() + 1));
        }
      }
    }
    throw new AssertionError("no INFO field " + field);
  }

  @Test
  void eachCounterMovesWhenItsEventHappens() throws Exception {
    Pg.exec("DROP TABLE IF EXISTS cnt_read, cnt_wb",
        "CREATE TABLE cnt_read (id int PRIMARY KEY, payload text)",
        "INSERT INTO cnt_read VALUES (1, 'one')",
        "CREATE TABLE cnt_wb (id int PRIMARY KEY, payload text CHECK (payload <> 'poison'), version bigint)");
    try (ServerProcess s = ServerProcess.start("--dir", dir.toString(), "--backing-store-max-attempts", "2",
        "--backing-store", Pg.store("r:", "cnt_read", "value-column=payload"),
        "--backing-store", Pg.store("w:", "cnt_wb", "value-column=payload mode=write-behind version-column=version"));
        Jedis j = new Jedis(s.host(), s.port(), 30_000)) {
      // Loads and queries saved.
      assertThat(info(s, "backingstore_loads")).isZero();
      assertThat(j.get("r:1")).isEqualTo("one");
      assertThat(info(s, "backingstore_loads")).isEqualTo(1);
      long saved = info(s, "backingstore_queries_saved");
      assertThat(j.get("r:1")).isEqualTo("one");
      assertThat(j.get("r:1")).isEqualTo("one");
      assertThat(info(s, "backingstore_queries_saved")).isEqualTo(saved + 2);
      assertThat(info(s, "backingstore_loads")).isEqualTo(1);

      // Queue depth, oldest pending age and appends while the table is held.
      try (Connection lock = Pg.connect(); Statement st = lock.createStatement()) {
        lock.setAutoCommit(false);
        st.execute("LOCK TABLE cnt_wb IN ACCESS EXCLUSIVE MODE");
        for (int i = 0; i < 50; i++) {
          j.set("w:" + i, "v" + i);
        }
        assertThat(info(s, "writebehind_appended")).isEqualTo(50);
        assertThat(info(s, "backingstore_writes_behind")).isEqualTo(50);
        assertThat(info(s, "writebehind_queue_depth")).isEqualTo(50);
        Await.until("the oldest pending write ages", () -> info(s, "writebehind_oldest_pending_ms") >= 300);
        assertThat(info(s, "writebehind_log_bytes")).isPositive();
        assertThat(info(s, "writebehind_flushed")).isZero();
        lock.commit();
      }
      // Flushed rows and the flush rate.
      Await.until("the flush rate shows the flush", () -> infoDouble(s, "writebehind_flush_rate_per_sec") > 0);
      Await.until("the queue drains", () -> info(s, "writebehind_queue_depth") == 0);
      assertThat(info(s, "writebehind_flushed")).isEqualTo(50);
      assertThat(info(s, "writebehind_oldest_pending_ms")).isZero();
      Await.until("the flush rate falls back to 0 when idle", () -> infoDouble(s, "writebehind_flush_rate_per_sec") == 0);
      // fsyncs (everysec, the default).
      Await.until("the log was fsynced", () -> info(s, "writebehind_fsyncs") > 0);

      // Retries, flush errors and dead letters.
      j.set("w:99", "poison");
      Await.until("the poisoned write is a dead letter", () -> info(s, "writebehind_dead_letters") == 1);
      assertThat(info(s, "writebehind_retries")).isEqualTo(1);
      assertThat(info(s, "writebehind_flush_errors")).isEqualTo(2);
      assertThat(info(s, "writebehind_queue_depth")).isZero();
    }
  }
}
