package io.corvid.server.backing;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.testing.ServerProcess;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Read-through against a real PostgreSQL and a real node: a miss loads the row once, N
 * concurrent misses make one query, pipelined replies keep their order around a load, absent
 * rows are remembered for negative-ttl, a JSON and a hash view of several columns, and an UPDATE
 * made directly in SQL invalidates the cached key through the installed trigger.
 */
class ReadThroughPostgresIT {
  static ServerProcess server;

  @BeforeAll
  static void start() throws Exception {
    Pg.exec("DROP TABLE IF EXISTS rt_products, rt_items, rt_users",
        "CREATE TABLE rt_products (id int PRIMARY KEY, payload text)",
        "CREATE TABLE rt_items (id text PRIMARY KEY, name text, price numeric(10,2), stock int)",
        "CREATE TABLE rt_users (id bigint PRIMARY KEY, name text, email text)",
        "INSERT INTO rt_products SELECT g, 'product-' || g FROM generate_series(1, 100) g",
        "INSERT INTO rt_items VALUES ('a1', 'anvil', 19.90, 3)",
        "INSERT INTO rt_users VALUES (7, 'ada', 'ada@example.com')",
        "DROP VIEW IF EXISTS rt_slow", "DROP TABLE IF EXISTS rt_slow_base",
        "CREATE TABLE rt_slow_base (id int PRIMARY KEY, payload text)",
        "INSERT INTO rt_slow_base VALUES (1, 'old'), (2, 'kept')",
        // A load of rt_slow reads the row, then takes 3 s to return it: room for a change meanwhile.
        "CREATE OR REPLACE FUNCTION rt_slow_read(k int) RETURNS text LANGUAGE plpgsql VOLATILE AS $$"
            + " DECLARE v text; BEGIN SELECT payload INTO v FROM rt_slow_base WHERE id = k;"
            + " PERFORM pg_sleep(3); RETURN v; END $$",
        "CREATE VIEW rt_slow AS SELECT id, rt_slow_read(id) AS payload FROM rt_slow_base",
        "SELECT pg_stat_statements_reset()");
    String products = Pg.store("product:", "rt_products", "value-column=payload ttl=300 negative-ttl=600 invalidate=notify");
    int rc = new picocli.CommandLine(new io.corvid.server.Main()).execute("backing-store", "install-triggers",
        "--backing-store", products);
    assertThat(rc).isZero();
    server = ServerProcess.start("--backing-store", products,
        "--backing-store", Pg.store("item:", "rt_items", "value-columns=name,price,stock format=json"),
        "--backing-store", Pg.store("user:", "rt_users", "value-columns=name,email format=hash"),
        "--backing-store", Pg.store("slow:", "rt_slow", "value-column=payload"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static Jedis jedis() {
    return new Jedis(server.host(), server.port(), 30_000);
  }

  @Test
  void missLoadsTheRowOnceThenTheCacheAnswers() {
    try (Jedis j = jedis()) {
      long before = Pg.selects("rt_products");
      assertThat(j.get("product:1")).isEqualTo("product-1");
      assertThat(Pg.selects("rt_products")).isEqualTo(before + 1);
      for (int i = 0; i < 20; i++) {
        assertThat(j.get("product:1")).isEqualTo("product-1");
      }
      assertThat(Pg.selects("rt_products")).isEqualTo(before + 1);
      assertThat(j.ttl("product:1")).isBetween(1L, 300L);
      assertThat(j.info("backingstore")).contains("backingstore_enabled:1").contains("backingstore_queries_saved:");
      assertThat(j.get("unmapped")).isNull();
      assertThat(Pg.queryString("SELECT version()")).startsWith("PostgreSQL 18");
    }
  }

  @Test
  void concurrentMissesOfOneKeyMakeOneQuery() throws Exception {
    int clients = 40;
    long before = Pg.selects("rt_products");
    long coalescedBefore = infoLong("backingstore_coalesced_misses");
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    // Hold the table so the first load blocks in PostgreSQL until every client has asked.
    try (Connection lock = Pg.connect(); Statement st = lock.createStatement()) {
      lock.setAutoCommit(false);
      st.execute("LOCK TABLE rt_products IN ACCESS EXCLUSIVE MODE");
      List<Future<String>> gets = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        gets.add(pool.submit(() -> {
          try (Jedis j = jedis()) {
            return j.get("product:42");
          }
        }));
      }
      Await.until("all " + clients + " misses joined the one load",
          () -> infoLong("backingstore_coalesced_misses") - coalescedBefore == clients - 1);
      lock.commit();
      for (Future<String> f : gets) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("product-42");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(Pg.selects("rt_products")).isEqualTo(before + 1);
  }

  @Test
  void pipelinedRepliesStayInOrderAroundLoads() {
    try (Jedis j = jedis()) {
      Pipeline p = j.pipelined();
      Response<String> a = p.get("product:10");
      Response<String> b = p.set("plain", "1");
      Response<String> c = p.get("plain");
      Response<String> d = p.get("product:11");
      Response<String> e = p.get("product:10");
      Response<Long> f = p.incr("plain");
      p.sync();
      assertThat(a.get()).isEqualTo("product-10");
      assertThat(b.get()).isEqualTo("OK");
      assertThat(c.get()).isEqualTo("1");
      assertThat(d.get()).isEqualTo("product-11");
      assertThat(e.get()).isEqualTo("product-10");
      assertThat(f.get()).isEqualTo(2L);
    }
  }

  @Test
  void absentRowIsRememberedForNegativeTtl() {
    try (Jedis j = jedis()) {
      long before = Pg.selects("rt_products");
      assertThat(j.get("product:5000")).isNull();
      assertThat(j.get("product:5000")).isNull();
      assertThat(Pg.selects("rt_products")).isEqualTo(before + 1);
      assertThat(infoLong("backingstore_negative_hits")).isPositive();
      // Inserted by another writer: the trigger's NOTIFY forgets the absence.
      Pg.exec("INSERT INTO rt_products VALUES (5000, 'late')");
      Await.until("the insert invalidates the remembered absence", () -> "late".equals(j.get("product:5000")));
    }
  }

  @Test
  void updateMadeInSqlInvalidatesTheCachedKey() {
    try (Jedis j = jedis()) {
      assertThat(j.get("product:77")).isEqualTo("product-77");
      Pg.exec("UPDATE rt_products SET payload = 'changed' WHERE id = 77");
      Await.until("GET sees the update", () -> "changed".equals(j.get("product:77")));
      Pg.exec("DELETE FROM rt_products WHERE id = 77");
      Await.until("GET sees the delete", () -> j.get("product:77") == null);
      assertThat(infoLong("backingstore_invalidations")).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void aLoadStartedBeforeAnInvalidationDoesNotCacheTheOldRow() throws Exception {
    long loadsBefore = infoLong("backingstore_loads");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Jedis j = jedis()) {
      Future<String> get = pool.submit(() -> {
        try (Jedis other = jedis()) {
          return other.get("slow:1");
        }
      });
      Await.until("the load started", () -> infoLong("backingstore_loads") > loadsBefore);
      // The load has read 'old' (or is about to); the row changes and the key is invalidated
      // (DEL takes the same path as a NOTIFY) while it runs.
      Pg.exec("UPDATE rt_slow_base SET payload = 'new' WHERE id = 1");
      j.del("slow:1");
      assertThat(get.get(60, TimeUnit.SECONDS)).isEqualTo("new");
      assertThat(infoLong("backingstore_loads")).isEqualTo(loadsBefore + 2);
      assertThat(j.get("slow:1")).isEqualTo("new");
      // A write to the cache during a load wins over what the load read.
      Future<String> get2 = pool.submit(() -> {
        try (Jedis other = jedis()) {
          return other.get("slow:2");
        }
      });
      Await.until("the second load started", () -> infoLong("backingstore_loads") > loadsBefore + 2);
      j.set("slow:2", "written");
      assertThat(get2.get(60, TimeUnit.SECONDS)).isEqualTo("written");
      assertThat(j.get("slow:2")).isEqualTo("written");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void severalColumnsServedAsJsonOrHash() {
    try (Jedis j = jedis()) {
      assertThat(j.get("item:a1")).isEqualTo("{\"name\":\"anvil\",\"price\":19.90,\"stock\":3}");
      assertThat(j.hgetAll("user:7")).containsEntry("name", "ada").containsEntry("email", "ada@example.com").hasSize(2);
      j.del("user:7");
      assertThat(j.hget("user:7", "email")).isEqualTo("ada@example.com");
      assertThat(j.hget("user:8", "email")).isNull();
    }
  }

  @Test
  void mappedKeysAreRefusedInsideMulti() {
    try (Jedis j = jedis()) {
      var t = j.multi();
      t.get("product:3");
      assertThat(org.assertj.core.api.Assertions.catchThrowable(t::exec)).hasMessageContaining("EXECABORT");
    }
  }

  static long infoLong(String field) {
    return infoLong(server, field);
  }

  static long infoLong(ServerProcess server, String field) {
    try (Jedis j = new Jedis(server.host(), server.port(), 30_000)) {
      for (String line : j.info("backingstore").split("\r\n")) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1));
        }
      }
    }
    throw new AssertionError(field + " not in INFO backingstore");
  }
}
