package io.corvid.server.backing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.corvid.server.testing.ServerProcess;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Write-through against a real PostgreSQL: the OK comes after the row is committed; a database
 * failure (a CHECK violation, a dropped table) answers an error and leaves the cache as it was.
 */
class WriteThroughPostgresIT {
  /** The node's dir: write-through keeps its version ceiling there. */
  @TempDir
  static Path dir;
  static ServerProcess server;

  @BeforeAll
  static void start() {
    Pg.exec("DROP TABLE IF EXISTS wt_products, wt_users, wt_gone",
        "CREATE TABLE wt_products (id int PRIMARY KEY, payload text CHECK (payload <> 'bad'), version bigint)",
        "CREATE TABLE wt_users (id bigint PRIMARY KEY, name text, email text)",
        "CREATE TABLE wt_gone (id int PRIMARY KEY, payload text)");
    server = ServerProcess.start("--dir", dir.toString(),
        "--backing-store", Pg.store("product:", "wt_products", "value-column=payload mode=write-through version-column=version"),
        "--backing-store", Pg.store("user:", "wt_users", "value-columns=name,email format=hash mode=write-through"),
        "--backing-store", Pg.store("gone:", "wt_gone", "value-column=payload mode=write-through"));
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
  void okMeansTheRowIsCommitted() {
    try (Jedis j = jedis()) {
      assertThat(j.set("product:1", "one")).isEqualTo("OK");
      assertThat(Pg.queryString("SELECT payload FROM wt_products WHERE id = 1")).isEqualTo("one");
      assertThat(Pg.queryLong("SELECT version FROM wt_products WHERE id = 1")).isPositive();
      assertThat(j.get("product:1")).isEqualTo("one");
      assertThat(j.set("product:1", "uno")).isEqualTo("OK");
      assertThat(Pg.queryString("SELECT payload FROM wt_products WHERE id = 1")).isEqualTo("uno");
      assertThat(j.set("product:2", "two", redis.clients.jedis.params.SetParams.setParams().ex(100))).isEqualTo("OK");
      assertThat(catchThrowable(() -> j.setex("product:2", 100, "two"))).hasMessageContaining("SETEX is not supported");
      assertThat(j.ttl("product:2")).isBetween(1L, 100L);
      assertThat(j.del("product:1")).isEqualTo(1);
      assertThat(Pg.queryLong("SELECT count(*) FROM wt_products WHERE id = 1")).isZero();
      assertThat(j.get("product:1")).isNull();
    }
  }

  @Test
  void hashFieldsAreColumns() {
    try (Jedis j = jedis()) {
      assertThat(j.hset("user:9", Map.of("name", "grace", "email", "g@example.com"))).isEqualTo(2);
      assertThat(Pg.queryString("SELECT name || ' ' || email FROM wt_users WHERE id = 9")).isEqualTo("grace g@example.com");
      assertThat(j.hset("user:9", "email", "grace@example.com")).isZero();
      assertThat(Pg.queryString("SELECT email FROM wt_users WHERE id = 9")).isEqualTo("grace@example.com");
      assertThat(j.hgetAll("user:9")).containsEntry("name", "grace").containsEntry("email", "grace@example.com");
      assertThat(catchThrowable(() -> j.hset("user:9", "age", "40"))).hasMessageContaining("unknown field 'age'");
      assertThat(catchThrowable(() -> j.set("user:9", "x"))).hasMessageContaining("use HSET");
      assertThat(j.hdel("user:9", "name")).isEqualTo(1); // the column becomes NULL, the row stays
      assertThat(Pg.queryString("SELECT coalesce(name, 'null') || ' ' || email FROM wt_users WHERE id = 9"))
          .isEqualTo("null grace@example.com");
      assertThat(j.hgetAll("user:9")).isEqualTo(Map.of("email", "grace@example.com"));
      assertThat(catchThrowable(() -> j.hsetnx("user:9", "name", "x"))).hasMessageContaining("HSETNX is not supported");
    }
  }

  @Test
  void databaseFailureAnswersAnErrorAndLeavesTheCacheUnchanged() {
    try (Jedis j = jedis()) {
      assertThat(j.set("product:5", "good")).isEqualTo("OK");
      assertThat(catchThrowable(() -> j.set("product:5", "bad"))).hasMessageStartingWith("ERR backing store: ")
          .hasMessageContaining("check constraint");
      assertThat(j.get("product:5")).isEqualTo("good");
      assertThat(Pg.queryString("SELECT payload FROM wt_products WHERE id = 5")).isEqualTo("good");
      // The connection goes on normally after the error.
      assertThat(j.set("product:5", "better")).isEqualTo("OK");
      assertThat(j.get("product:5")).isEqualTo("better");
    }
  }

  @Test
  void droppedTableAnswersAnErrorAndLeavesTheCacheUnchanged() {
    try (Jedis j = jedis()) {
      assertThat(j.set("gone:1", "here")).isEqualTo("OK");
      Pg.exec("DROP TABLE wt_gone");
      assertThat(catchThrowable(() -> j.set("gone:1", "there"))).hasMessageStartingWith("ERR backing store: ");
      assertThat(catchThrowable(() -> j.del("gone:1"))).hasMessageStartingWith("ERR backing store: ");
      assertThat(j.get("gone:1")).isEqualTo("here");
      assertThat(ReadThroughPostgresIT.infoLong(server, "backingstore_write_through_errors")).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void unsupportedShapesAreRefused() {
    try (Jedis j = jedis()) {
      assertThat(catchThrowable(() -> j.setrange("product:3", 0, "x"))).hasMessageContaining("SETRANGE is not supported");
      assertThat(catchThrowable(() -> j.mset("product:3", "a", "plain", "b"))).hasMessageContaining("several keys");
      assertThat(catchThrowable(() -> j.sendCommand(redis.clients.jedis.Protocol.Command.SET, "product:3", "v", "NX")))
          .hasMessageContaining("only SET key value");
      assertThat(j.get("plain")).isNull();
    }
  }
}
