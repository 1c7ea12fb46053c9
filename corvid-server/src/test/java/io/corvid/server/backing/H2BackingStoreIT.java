package io.corvid.server.backing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.corvid.server.testing.ServerProcess;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The same three modes on H2 (the embedded default for trying Corvid in front of a database):
 * write-through takes the portable SQL path (a guarded UPDATE then an INSERT instead of ON
 * CONFLICT), the write-behind flusher a batched standard MERGE. The
 * database is an H2 file in AUTO_SERVER mode, so the node and this test both open it.
 */
class H2BackingStoreIT {
  @TempDir
  static Path dir;
  static String url;
  static ServerProcess server;

  @BeforeAll
  static void start() throws Exception {
    url = "jdbc:h2:" + dir.resolve("shop") + ";AUTO_SERVER=TRUE";
    exec("CREATE TABLE products (id INT PRIMARY KEY, payload VARCHAR(100))",
        "CREATE TABLE orders (id INT PRIMARY KEY, payload VARCHAR(100) CHECK (payload <> 'bad'), version BIGINT)",
        "CREATE TABLE events (id VARCHAR(20) PRIMARY KEY, kind VARCHAR(20), amount INT, version BIGINT)",
        "INSERT INTO products VALUES (1, 'hammer'), (2, 'saw')");
    server = ServerProcess.start("--dir", dir.toString(),
        "--backing-store", "product: jdbc-url=" + url + " table=products key-column=id value-column=payload negative-ttl=600",
        "--backing-store", "order: jdbc-url=" + url + " table=orders key-column=id value-column=payload mode=write-through"
            + " version-column=version",
        "--backing-store", "event: jdbc-url=" + url + " table=events key-column=id value-columns=kind,amount format=hash"
            + " mode=write-behind version-column=version");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static void exec(String... sql) throws Exception {
    execOn(url, sql);
  }

  static String query(String sql) throws Exception {
    return queryOn(url, sql);
  }

  /** Runs statements on the H2 database at {@code jdbcUrl}. */
  static void execOn(String jdbcUrl, String... sql) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    }
  }

  /** The first column of the first row of {@code sql} on the H2 database at {@code jdbcUrl}, or null. */
  static String queryOn(String jdbcUrl, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  static Jedis jedis() {
    return new Jedis(server.host(), server.port(), 30_000);
  }

  @Test
  void readThrough() throws Exception {
    try (Jedis j = jedis()) {
      assertThat(j.get("product:1")).isEqualTo("hammer");
      assertThat(j.get("product:3")).isNull();
      exec("INSERT INTO products VALUES (3, 'drill')");
      assertThat(j.get("product:3")).as("absence remembered for negative-ttl").isNull();
      j.del("product:3");
      assertThat(j.get("product:3")).isEqualTo("drill");
      assertThat(ReadThroughPostgresIT.infoLong(server, "backingstore_loads")).isEqualTo(3);
    }
  }

  @Test
  void writeThrough() throws Exception {
    try (Jedis j = jedis()) {
      assertThat(j.set("order:1", "paid")).isEqualTo("OK");
      assertThat(query("SELECT payload FROM orders WHERE id = 1")).isEqualTo("paid");
      assertThat(j.set("order:1", "shipped")).isEqualTo("OK");
      assertThat(query("SELECT payload FROM orders WHERE id = 1")).isEqualTo("shipped");
      assertThat(catchThrowable(() -> j.set("order:1", "bad"))).hasMessageStartingWith("ERR backing store: ");
      assertThat(j.get("order:1")).isEqualTo("shipped");
      assertThat(j.del("order:1")).isEqualTo(1);
      assertThat(query("SELECT count(*) FROM orders")).isEqualTo("0");
    }
  }

  @Test
  void writeBehind() throws Exception {
    try (Jedis j = jedis()) {
      assertThat(j.hset("event:e1", Map.of("kind", "click", "amount", "3"))).isEqualTo(2);
      j.hset("event:e1", "amount", "4");
      Await.until("flushed", () -> {
        try {
          return "click 4".equals(query("SELECT kind || ' ' || amount FROM events WHERE id = 'e1'"));
        } catch (Exception e) {
          return false;
        }
      });
      assertThat(j.hgetAll("event:e1")).containsEntry("kind", "click").containsEntry("amount", "4");
    }
  }
}
