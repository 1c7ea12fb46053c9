package io.corvid.server.backing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.corvid.server.testing.ServerProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT, APPEND, HINCRBY, HINCRBYFLOAT and HDEL on keys of
 * write-through and write-behind stores, on a real PostgreSQL and on H2, with one node serving the
 * eight stores: the row gets the resulting value, a value that does not fit answers Redis's error
 * and changes nothing, concurrent increments lose nothing, and the commands that cannot be
 * mapped answer a clear error.
 */
class ReadModifyWriteIT {
  @TempDir
  static Path dir;
  static String h2Url;
  static ServerProcess server;

  /** One store under test: its key prefix, table, and how to query its database. */
  record Db(String name, String prefix, String table, boolean writeBehind, Function<String, String> query) {}

  static final List<Db> STRING_STORES = new ArrayList<>();
  static final List<Db> HASH_STORES = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    h2Url = "jdbc:h2:" + dir.resolve("rmw") + ";AUTO_SERVER=TRUE";
    List<String> args = new ArrayList<>(List.of("--dir", dir.toString()));
    for (String mode : List.of("wt", "wb")) {
      String modeName = mode.equals("wt") ? "write-through" : "write-behind";
      String s = "rmw_" + mode + "_s";
      String h = "rmw_" + mode + "_h";
      Pg.exec("DROP TABLE IF EXISTS " + s + ", " + h,
          "CREATE TABLE " + s + " (id int PRIMARY KEY, payload text CHECK (payload <> 'bad'), version bigint)",
          "CREATE TABLE " + h + " (id int PRIMARY KEY, a text, b text, version bigint)");
      h2("CREATE TABLE " + s + " (id INT PRIMARY KEY, payload VARCHAR(100), version BIGINT)",
          "CREATE TABLE " + h + " (id INT PRIMARY KEY, a VARCHAR(100), b VARCHAR(100), version BIGINT)");
      String pgS = "pg" + mode + "s:";
      String pgH = "pg" + mode + "h:";
      String h2S = "h2" + mode + "s:";
      String h2H = "h2" + mode + "h:";
      args.addAll(List.of(
          "--backing-store", Pg.store(pgS, s, "value-column=payload version-column=version mode=" + modeName),
          "--backing-store", Pg.store(pgH, h, "value-columns=a,b format=hash version-column=version mode=" + modeName),
          "--backing-store", h2S + " jdbc-url=" + h2Url + " table=" + s
              + " key-column=id value-column=payload version-column=version mode=" + modeName,
          "--backing-store", h2H + " jdbc-url=" + h2Url + " table=" + h
              + " key-column=id value-columns=a,b format=hash version-column=version mode=" + modeName));
      STRING_STORES.add(new Db("PostgreSQL " + modeName, pgS, s, mode.equals("wb"), Pg::queryString));
      STRING_STORES.add(new Db("H2 " + modeName, h2S, s, mode.equals("wb"), ReadModifyWriteIT::h2Query));
      HASH_STORES.add(new Db("PostgreSQL " + modeName, pgH, h, mode.equals("wb"), Pg::queryString));
      HASH_STORES.add(new Db("H2 " + modeName, h2H, h, mode.equals("wb"), ReadModifyWriteIT::h2Query));
    }
    server = ServerProcess.start(args.toArray(String[]::new));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static void h2(String... sql) throws Exception {
    H2BackingStoreIT.execOn(h2Url, sql);
  }

  static String h2Query(String sql) {
    try {
      return H2BackingStoreIT.queryOn(h2Url, sql);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void insert(Db db, String values) throws Exception {
    String sql = "INSERT INTO " + db.table() + " VALUES (" + values + ")";
    if (db.name().startsWith("H2")) {
      h2(sql);
    } else {
      Pg.exec(sql);
    }
  }

  static Jedis jedis() {
    return new Jedis(server.host(), server.port(), 30_000);
  }

  /** The database's value for {@code sql}, at once for write-through, once flushed for write-behind. */
  static void assertRow(Db db, String sql, String expected) {
    if (db.writeBehind()) {
      Await.until(db.name() + ": " + sql + " = " + expected, () -> java.util.Objects.equals(expected, db.query().apply(sql)));
    } else {
      assertThat(db.query().apply(sql)).as(db.name() + ": " + sql).isEqualTo(expected);
    }
  }

  @Test
  void countersAndAppendWriteTheResultingValue() throws Exception {
    try (Jedis j = jedis()) {
      for (Db db : STRING_STORES) {
        insert(db, "1, '10', 1"); // in the database only: the first command must start from it
        String k = db.prefix() + "1";
        assertThat(j.incr(k)).as(db.name()).isEqualTo(11);
        assertThat(j.incrBy(k, 5)).isEqualTo(16);
        assertThat(j.decr(k)).isEqualTo(15);
        assertThat(j.decrBy(k, 5)).isEqualTo(10);
        assertThat(j.incrByFloat(k, 1.5)).isEqualTo(11.5);
        assertThat(j.append(k, "x")).isEqualTo(5);
        assertThat(j.get(k)).isEqualTo("11.5x");
        assertRow(db, "SELECT payload FROM " + db.table() + " WHERE id = 1", "11.5x");
        // Not a number now: Redis's error, nothing changes.
        assertThat(catchThrowable(() -> j.incr(k))).as(db.name()).hasMessage("ERR value is not an integer or out of range");
        assertThat(catchThrowable(() -> j.incrByFloat(k, 1))).hasMessage("ERR value is not a valid float");
        assertThat(j.get(k)).isEqualTo("11.5x");
        // No row yet: counts from 0 and inserts it, with a version.
        String fresh = db.prefix() + "2";
        assertThat(j.incrBy(fresh, 7)).isEqualTo(7);
        assertRow(db, "SELECT payload FROM " + db.table() + " WHERE id = 2", "7");
        assertThat(Long.parseLong(db.query().apply("SELECT version FROM " + db.table() + " WHERE id = 2"))).isPositive();
      }
    }
  }

  @Test
  void concurrentIncrementsLoseNothing() throws Exception {
    int threads = 8;
    int each = 25;
    for (Db db : STRING_STORES) {
      String k = db.prefix() + "3";
      List<Thread> ts = new ArrayList<>();
      List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < threads; t++) {
        Thread th = new Thread(() -> {
          try (Jedis j = jedis()) {
            for (int i = 0; i < each; i++) {
              j.incr(k);
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        });
        ts.add(th);
        th.start();
      }
      for (Thread th : ts) {
        th.join();
      }
      assertThat(errors).as(db.name()).isEmpty();
      try (Jedis j = jedis()) {
        assertThat(j.get(k)).as(db.name()).isEqualTo(Integer.toString(threads * each));
      }
      assertRow(db, "SELECT payload FROM " + db.table() + " WHERE id = 3", Integer.toString(threads * each));
    }
  }

  @Test
  void hashCountersAndHdelWriteTheirColumns() throws Exception {
    try (Jedis j = jedis()) {
      for (Db db : HASH_STORES) {
        insert(db, "1, '5', 'keep', 1");
        String k = db.prefix() + "1";
        assertThat(j.hincrBy(k, "a", 3)).as(db.name()).isEqualTo(8);
        assertThat(j.hincrByFloat(k, "a", 0.5)).isEqualTo(8.5);
        assertThat(j.hdel(k, "b")).isEqualTo(1);
        assertThat(j.hdel(k, "b")).isZero();
        assertThat(j.hgetAll(k)).isEqualTo(Map.of("a", "8.5"));
        assertRow(db, "SELECT a FROM " + db.table() + " WHERE id = 1", "8.5");
        assertRow(db, "SELECT coalesce(b, 'null') FROM " + db.table() + " WHERE id = 1", "null");
        assertThat(catchThrowable(() -> j.hincrBy(k, "a", 1))).hasMessage("ERR hash value is not an integer");
        assertThat(catchThrowable(() -> j.hincrBy(k, "zzz", 1)))
            .hasMessage("ERR backing store: unknown field 'zzz' for '" + db.prefix() + "' (columns [a, b])");
        assertThat(j.hget(k, "a")).isEqualTo("8.5");
      }
    }
  }

  @Test
  void commandsThatCannotBeMappedAnswerAClearError() {
    try (Jedis j = jedis()) {
      Db s = STRING_STORES.get(0);
      Db h = HASH_STORES.get(0);
      assertThat(catchThrowable(() -> j.setrange(s.prefix() + "9", 0, "x")))
          .hasMessage("ERR backing store: SETRANGE is not supported on keys mapped to a database ('" + s.prefix()
              + "', write-through); use SET, HSET, DEL, INCR, INCRBY, DECR, DECRBY, INCRBYFLOAT, APPEND or the EXPIRE family");
      assertThat(catchThrowable(() -> j.incr(h.prefix() + "9")))
          .hasMessage("ERR backing store: INCR needs a store of one value column (value-column=); keys of '" + h.prefix()
              + "' are hashes (format=hash)");
      assertThat(catchThrowable(() -> j.hincrBy(s.prefix() + "9", "payload", 1)))
          .hasMessage("ERR backing store: keys of '" + s.prefix() + "' are strings; HINCRBY needs format=hash");
    }
  }
}
