package io.corvid.examples.catalogue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The source of truth: the {@code products} table over plain JDBC, in H2 or PostgreSQL (the same
 * SQL runs on both). One connection, used by one thread. Counts the product reads it sends, so
 * the example can show how few reach the database.
 */
public final class ProductRepository implements AutoCloseable {
  static final String CREATE_TABLE =
      "CREATE TABLE IF NOT EXISTS products (id BIGINT PRIMARY KEY, name VARCHAR(200) NOT NULL, price NUMERIC(12, 2) NOT NULL)";
  /** The one query a cache miss costs; tests find it by this text in the database's statistics. */
  static final String SELECT_BY_ID = "SELECT id, name, price FROM products WHERE id = ?";

  private final Connection connection;
  private final AtomicInteger queries = new AtomicInteger();

  public ProductRepository(String jdbcUrl, String user, String password) throws SQLException {
    this.connection = DriverManager.getConnection(jdbcUrl, user, password);
    try (Statement s = connection.createStatement()) {
      s.execute(CREATE_TABLE);
    }
  }

  /** The database's product name and version, e.g. "H2 2.3.232 (2024-08-11)". */
  public String databaseDescription() throws SQLException {
    return connection.getMetaData().getDatabaseProductName() + " " + connection.getMetaData().getDatabaseProductVersion();
  }

  /** The product, or null when there is none. One SELECT. */
  public Product find(long id) {
    queries.incrementAndGet();
    try (PreparedStatement s = connection.prepareStatement(SELECT_BY_ID)) {
      s.setLong(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? new Product(r.getLong(1), r.getString(2), r.getBigDecimal(3)) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read product " + id + ": " + e.getMessage(), e);
    }
  }

  /** Inserts the product, or overwrites the row with its id. */
  public void save(Product p) throws SQLException {
    try (PreparedStatement update = connection.prepareStatement("UPDATE products SET name = ?, price = ? WHERE id = ?")) {
      update.setString(1, p.name());
      update.setBigDecimal(2, p.price());
      update.setLong(3, p.id());
      if (update.executeUpdate() == 1) {
        return;
      }
    }
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO products (id, name, price) VALUES (?, ?, ?)")) {
      insert.setLong(1, p.id());
      insert.setString(2, p.name());
      insert.setBigDecimal(3, p.price());
      insert.executeUpdate();
    }
  }

  /** SELECTs of a product sent so far. */
  public int queries() {
    return queries.get();
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
