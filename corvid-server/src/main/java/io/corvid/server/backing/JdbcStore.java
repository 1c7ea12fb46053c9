package io.corvid.server.backing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL side of one backing store: a HikariCP pool and the three statements Corvid needs, a
 * load by key, an upsert and a delete. Runs only on backing-store threads, never on an event
 * loop.
 *
 * <p>Values travel as strings; the column types, read once from the table's metadata, tell
 * the driver how to convert them (PostgreSQL gets them untyped and casts them itself). With a
 * version column, an upsert or delete only takes effect on a row whose version is lower than the
 * write's (on PostgreSQL {@code INSERT ... ON CONFLICT DO UPDATE ... WHERE t.version <
 * excluded.version}; elsewhere an UPDATE guarded the same way, then an INSERT when no row
 * exists), so a write replayed from the log after a crash never overwrites a newer row.
 */
final class JdbcStore implements AutoCloseable {
  /** Seconds to wait for a pooled connection before a load or write fails. */
  static final long CONNECTION_TIMEOUT_MILLIS = 5_000;

  final BackingStoreSpec spec;
  private final HikariDataSource pool;
  private volatile Map<String, Integer> sqlTypes;

  JdbcStore(BackingStoreSpec spec, String applicationName) {
    this.spec = spec;
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(spec.jdbcUrl());
    if (spec.user() != null) {
      c.setUsername(spec.user());
    }
    if (spec.password() != null) {
      c.setPassword(spec.password());
    }
    c.setMaximumPoolSize(spec.poolSize());
    c.setMinimumIdle(0);
    c.setConnectionTimeout(CONNECTION_TIMEOUT_MILLIS);
    c.setInitializationFailTimeout(-1); // start even when the database is down; loads fail until it is up
    c.setPoolName("corvid-" + spec.prefix());
    if (spec.isPostgres()) {
      c.addDataSourceProperty("ApplicationName", applicationName);
    }
    this.pool = new HikariDataSource(c);
  }

  Connection connection() throws SQLException {
    return pool.getConnection();
  }

  /** Work done on a connection inside a transaction. */
  interface Work<T> {
    T run(Connection conn) throws SQLException;
  }

  /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
  <T> T inTransaction(Work<T> work) throws SQLException {
    try (Connection conn = connection()) {
      conn.setAutoCommit(false);
      try {
        T result = work.run(conn);
        conn.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          conn.rollback();
        } catch (SQLException ignored) {
          // the connection is broken; the pool will replace it
        }
        throw e;
      }
    }
  }

  /** The row's value columns (null values for SQL NULL), or null when there is no such row. */
  Map<String, Object> load(String id) throws SQLException {
    try (Connection conn = connection()) {
      return load(conn, id, false);
    }
  }

  /** {@link #load(String)} on {@code conn}; {@code forUpdate} locks the row until the transaction ends. */
  Map<String, Object> load(Connection conn, String id, boolean forUpdate) throws SQLException {
    types(conn);
    String sql = "SELECT " + String.join(", ", spec.valueColumns()) + " FROM " + spec.table() + " WHERE "
        + spec.keyColumn() + " = ?" + (forUpdate ? " FOR UPDATE" : "");
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      bind(ps, 1, id, spec.keyColumn());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < spec.valueColumns().size(); i++) {
          row.put(spec.valueColumns().get(i), rs.getObject(i + 1));
        }
        return row;
      }
    }
  }

  /**
   * Writes the given columns of the row (others keep their value, or NULL for a new row) with
   * {@code version}; returns false when the row holds a newer version and nothing was written.
   */
  boolean upsert(Connection conn, String id, Map<String, String> columns, long version) throws SQLException {
    types(conn);
    List<String> cols = List.copyOf(columns.keySet());
    String v = spec.versionColumn();
    if (spec.isPostgres()) {
      try (PreparedStatement ps = conn.prepareStatement(postgresUpsertSql(cols))) {
        return bindRow(ps, id, cols, columns, v, version).executeUpdate() > 0;
      }
    }
    // Portable form: a guarded UPDATE, then an INSERT when no row exists at all.
    if (!cols.isEmpty() || v != null) {
      StringBuilder sql = new StringBuilder("UPDATE ").append(spec.table()).append(" SET ");
      StringBuilder set = new StringBuilder();
      cols.forEach(c -> set.append(set.isEmpty() ? "" : ", ").append(c).append(" = ?"));
      if (v != null) {
        set.append(set.isEmpty() ? "" : ", ").append(v).append(" = ?");
      }
      sql.append(set).append(" WHERE ").append(spec.keyColumn()).append(" = ?");
      if (v != null) {
        sql.append(" AND (").append(v).append(" IS NULL OR ").append(v).append(" < ?)");
      }
      try (PreparedStatement ps = conn.prepareStatement(sql.toString())) {
        int i = 1;
        for (String c : cols) {
          bind(ps, i++, columns.get(c), c);
        }
        if (v != null) {
          ps.setLong(i++, version);
        }
        bind(ps, i++, id, spec.keyColumn());
        if (v != null) {
          ps.setLong(i, version);
        }
        if (ps.executeUpdate() > 0) {
          return true;
        }
      }
    }
    try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM " + spec.table() + " WHERE " + spec.keyColumn() + " = ?")) {
      bind(ps, 1, id, spec.keyColumn());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return false; // a newer version is there
        }
      }
    }
    StringBuilder sql = new StringBuilder("INSERT INTO ").append(spec.table()).append(" (").append(spec.keyColumn());
    cols.forEach(c -> sql.append(", ").append(c));
    if (v != null) {
      sql.append(", ").append(v);
    }
    sql.append(") VALUES (?").append(", ?".repeat(cols.size() + (v != null ? 1 : 0))).append(")");
    try (PreparedStatement ps = conn.prepareStatement(sql.toString())) {
      return bindRow(ps, id, cols, columns, v, version).executeUpdate() > 0;
    }
  }

  /**
   * Writes the write-behind queue's coalesced writes (distinct keys) on {@code conn}, in its
   * transaction: the deletes first, then the upserts grouped by the columns they name, each group
   * one JDBC batch (one round trip on PostgreSQL, one prepared statement on H2). Both forms carry
   * the version guard of {@link #upsert}. Other databases get {@link #upsert} row by row.
   */
  void writeBatch(Connection conn, List<WriteBehind.Pending> items) throws SQLException {
    types(conn);
    String v = spec.versionColumn();
    List<WriteBehind.Pending> deletes = new java.util.ArrayList<>();
    Map<List<String>, List<WriteBehind.Pending>> upserts = new LinkedHashMap<>();
    for (WriteBehind.Pending p : items) {
      if (p.deleted || p.deleteFirst) {
        deletes.add(p);
      }
      if (!p.deleted) {
        upserts.computeIfAbsent(List.copyOf(p.columns.keySet()), k -> new java.util.ArrayList<>()).add(p);
      }
    }
    if (!deletes.isEmpty()) {
      try (PreparedStatement ps = conn.prepareStatement(deleteSql())) {
        for (WriteBehind.Pending p : deletes) {
          bind(ps, 1, p.id, spec.keyColumn());
          if (v != null) {
            ps.setLong(2, p.version);
          }
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    for (Map.Entry<List<String>, List<WriteBehind.Pending>> e : upserts.entrySet()) {
      List<String> cols = e.getKey();
      String sql = spec.isPostgres() ? postgresUpsertSql(cols) : spec.isH2() ? mergeSql(cols) : null;
      if (sql == null) {
        for (WriteBehind.Pending p : e.getValue()) {
          upsert(conn, p.id, p.columns, p.version);
        }
        continue;
      }
      try (PreparedStatement ps = conn.prepareStatement(sql)) {
        for (WriteBehind.Pending p : e.getValue()) {
          bindRow(ps, p.id, cols, p.columns, v, p.version).addBatch();
        }
        ps.executeBatch();
      }
    }
  }

  /** PostgreSQL's guarded upsert: INSERT ... ON CONFLICT DO UPDATE ... WHERE t.version < EXCLUDED.version. */
  private String postgresUpsertSql(List<String> cols) {
    String v = spec.versionColumn();
    StringBuilder sql = new StringBuilder("INSERT INTO ").append(spec.table()).append(" AS t (").append(spec.keyColumn());
    cols.forEach(c -> sql.append(", ").append(c));
    if (v != null) {
      sql.append(", ").append(v);
    }
    sql.append(") VALUES (?").append(", ?".repeat(cols.size() + (v != null ? 1 : 0))).append(") ON CONFLICT (")
        .append(spec.keyColumn()).append(") DO ");
    if (cols.isEmpty() && v == null) {
      return sql.append("NOTHING").toString();
    }
    sql.append("UPDATE SET ");
    StringBuilder set = new StringBuilder();
    cols.forEach(c -> set.append(set.isEmpty() ? "" : ", ").append(c).append(" = EXCLUDED.").append(c));
    if (v != null) {
      set.append(set.isEmpty() ? "" : ", ").append(v).append(" = EXCLUDED.").append(v);
    }
    sql.append(set);
    if (v != null) {
      sql.append(" WHERE t.").append(v).append(" IS NULL OR t.").append(v).append(" < EXCLUDED.").append(v);
    }
    return sql.toString();
  }

  /**
   * The same guarded upsert as one standard SQL MERGE (H2): parameters bound as by {@link
   * #bindRow} (key, columns, version).
   */
  private String mergeSql(List<String> cols) {
    String v = spec.versionColumn();
    String k = spec.keyColumn();
    List<String> all = new java.util.ArrayList<>();
    all.add(k);
    all.addAll(cols);
    if (v != null) {
      all.add(v);
    }
    StringBuilder sql = new StringBuilder("MERGE INTO ").append(spec.table()).append(" AS t USING (VALUES (?")
        .append(", ?".repeat(all.size() - 1)).append(")) AS s (").append(String.join(", ", all)).append(") ON t.")
        .append(k).append(" = s.").append(k);
    if (all.size() > 1) {
      sql.append(" WHEN MATCHED");
      if (v != null) {
        sql.append(" AND (t.").append(v).append(" IS NULL OR t.").append(v).append(" < s.").append(v).append(")");
      }
      sql.append(" THEN UPDATE SET ").append(String.join(", ", all.subList(1, all.size()).stream()
          .map(c -> c + " = s." + c).toList()));
    }
    sql.append(" WHEN NOT MATCHED THEN INSERT (").append(String.join(", ", all)).append(") VALUES (")
        .append(String.join(", ", all.stream().map(c -> "s." + c).toList())).append(")");
    return sql.toString();
  }

  private String deleteSql() {
    String v = spec.versionColumn();
    return "DELETE FROM " + spec.table() + " WHERE " + spec.keyColumn() + " = ?"
        + (v == null ? "" : " AND (" + v + " IS NULL OR " + v + " < ?)");
  }

  /** Deletes the row unless it carries a newer version; returns whether a row was deleted. */
  boolean delete(Connection conn, String id, long version) throws SQLException {
    types(conn);
    String v = spec.versionColumn();
    try (PreparedStatement ps = conn.prepareStatement(deleteSql())) {
      bind(ps, 1, id, spec.keyColumn());
      if (v != null) {
        ps.setLong(2, version);
      }
      return ps.executeUpdate() > 0;
    }
  }

  /** Binds the key, then each column's value, then the version if the store has a version column. */
  private PreparedStatement bindRow(PreparedStatement ps, String id, List<String> cols, Map<String, String> columns,
      String versionColumn, long version) throws SQLException {
    int i = 1;
    bind(ps, i++, id, spec.keyColumn());
    for (String c : cols) {
      bind(ps, i++, columns.get(c), c);
    }
    if (versionColumn != null) {
      ps.setLong(i, version);
    }
    return ps;
  }

  private void bind(PreparedStatement ps, int i, String value, String column) throws SQLException {
    if (spec.isPostgres()) {
      // Untyped: the server casts the text to the column's type, whatever it is (int, numeric, jsonb, ...).
      if (value == null) {
        ps.setNull(i, Types.OTHER);
      } else {
        ps.setObject(i, value, Types.OTHER);
      }
      return;
    }
    int type = sqlTypes.getOrDefault(column.toLowerCase(java.util.Locale.ROOT), Types.VARCHAR);
    if (value == null) {
      ps.setNull(i, type);
    } else {
      ps.setObject(i, value, type);
    }
  }

  /** The columns' JDBC types, read once (the table must exist by the first load or write). */
  private void types(Connection conn) throws SQLException {
    if (sqlTypes != null) {
      return;
    }
    String sql = "SELECT " + spec.keyColumn() + ", " + String.join(", ", spec.valueColumns())
        + (spec.versionColumn() == null ? "" : ", " + spec.versionColumn()) + " FROM " + spec.table() + " WHERE 1 = 0";
    Map<String, Integer> t = new HashMap<>();
    try (PreparedStatement ps = conn.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      ResultSetMetaData md = rs.getMetaData();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        t.put(md.getColumnName(i).toLowerCase(java.util.Locale.ROOT), md.getColumnType(i));
      }
    }
    sqlTypes = t;
  }

  @Override
  public void close() {
    pool.close();
  }
}
