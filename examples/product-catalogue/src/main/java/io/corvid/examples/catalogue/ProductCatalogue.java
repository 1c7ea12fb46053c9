package io.corvid.examples.catalogue;

import io.corvid.client.CacheOptions;
import io.corvid.client.CorvidCache;
import io.corvid.client.CorvidClient;
import io.corvid.client.codec.Codec;
import io.corvid.client.codec.Codecs;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The seed article's scenario with corvid-client: a product catalogue whose source of truth is a
 * database table, read through Corvid with cache-aside ({@code cache.get(id, loader)}), cached as
 * JSON, and kept in step on update by writing the database first and then invalidating the key.
 *
 * <p>It reads one product {@code --reads} times (the first read misses and loads the row, the
 * others hit), updates it in the database and invalidates it, and reads it again as many times
 * (one more miss that reloads, then hits), printing what each step did and how many queries
 * reached the database. {@code run.sh} next to this module starts a Corvid node and runs it.
 */
public final class ProductCatalogue {
  public static final String DEFAULT_CORVID = "127.0.0.1:6379";
  /** An in-memory H2 database that lives as long as the JVM. */
  public static final String DEFAULT_JDBC_URL = "jdbc:h2:mem:catalogue;DB_CLOSE_DELAY=-1";
  public static final int DEFAULT_READS = 3;
  public static final long DEFAULT_PRODUCT_ID = 123;
  /** Cached products expire after this (plus up to 10% jitter) even if nobody invalidates them. */
  public static final Duration CACHE_TTL = Duration.ofMinutes(10);
  /** Keys are {@code product:<id>}, the seed's naming. */
  public static final String CACHE_NAME = "product";

  static final String USAGE = String.join("\n",
      "usage: ProductCatalogue [--corvid host:port[,host:port...]] [--jdbc-url URL] [--db-user USER] [--db-password PASSWORD]",
      "                        [--reads N] [--product ID]",
      "  --corvid       Corvid node(s) to connect to, any one of a cluster is enough (default " + DEFAULT_CORVID + ")",
      "  --jdbc-url     the product database (default " + DEFAULT_JDBC_URL + ");",
      "                 PostgreSQL: jdbc:postgresql://localhost:5432/shop with --db-user and --db-password",
      "  --reads        reads of the product before and after the update (default " + DEFAULT_READS + ")",
      "  --product      the product id (default " + DEFAULT_PRODUCT_ID + ")");

  /** Product ids as decimal text, so the stored key reads {@code product:123}. */
  static final Codec<Long> ID_CODEC = new Codec<>() {
    @Override
    public byte[] encode(Long id) {
      return Long.toString(id).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public Long decode(byte[] bytes) {
      return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
    }
  };

  /** The command line. */
  public record Options(List<String> corvid, String jdbcUrl, String dbUser, String dbPassword, int reads, long productId) {
    public static Options parse(String... args) {
      List<String> corvid = List.of(DEFAULT_CORVID);
      String url = DEFAULT_JDBC_URL;
      String user = "";
      String password = "";
      int reads = DEFAULT_READS;
      long id = DEFAULT_PRODUCT_ID;
      for (int i = 0; i < args.length; i++) {
        String name = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("unknown option or missing value: " + name);
        }
        String value = args[++i];
        switch (name) {
          case "--corvid" -> corvid = Arrays.asList(value.split(","));
          case "--jdbc-url" -> url = value;
          case "--db-user" -> user = value;
          case "--db-password" -> password = value;
          case "--reads" -> reads = positive(name, value);
          case "--product" -> id = positive(name, value);
          default -> throw new IllegalArgumentException("unknown option: " + name);
        }
      }
      return new Options(corvid, url, user, password, reads, id);
    }

    private static int positive(String name, String value) {
      try {
        int n = Integer.parseInt(value);
        if (n > 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw new IllegalArgumentException(name + " must be a positive integer, got '" + value + "'");
    }
  }

  /** What a run did: reads served, queries that reached the database, and the cache's counts. */
  public record Summary(int reads, int databaseQueries, long hits, long misses, long loads) {}

  private ProductCatalogue() {}

  public static void main(String[] args) {
    Options options;
    try {
      if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
        System.out.println(USAGE);
        return;
      }
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    try {
      run(options, System.out);
    } catch (Exception e) {
      System.err.println("product catalogue example failed: " + e);
      System.exit(1);
    }
  }

  /** Runs the scenario, printing each step to {@code out}. */
  public static Summary run(Options o, PrintStream out) throws SQLException {
    try (ProductRepository db = new ProductRepository(o.jdbcUrl(), o.dbUser(), o.dbPassword());
        CorvidClient client = CorvidClient.connect(o.corvid().toArray(new String[0]))) {
      out.println("database: " + o.jdbcUrl() + " (" + db.databaseDescription() + ")");
      out.println("corvid:   " + String.join(",", o.corvid())
          + (client.isCluster() ? " (a cluster of " + client.router().nodes().size() + " primaries)" : " (one node)"));
      CorvidCache<Long, Product> products =
          client.cache(CacheOptions.of(CACHE_NAME, ID_CODEC, Codecs.json(Product.class)).ttl(CACHE_TTL));
      long id = o.productId();
      String key = CACHE_NAME + ":" + id;

      // The database is the source of truth: (re)write the row, then drop whatever a previous
      // run left in the cache, the same pattern as any update.
      db.save(new Product(id, "Awesome Gadget", new BigDecimal("99.00")));
      products.invalidate(id);
      out.println("setup: product " + id + " written to the database -> invalidated " + key);

      Reader reader = new Reader(db, products, key, out);
      for (int i = 0; i < o.reads(); i++) {
        reader.read(id);
      }
      out.println("        Corvid holds " + key + " = " + client.sync().get(key));

      Product updated = new Product(id, "Even Awesomer Gadget", new BigDecimal("99.00"));
      db.save(updated);
      products.invalidate(id);
      out.println("update: product " + id + " renamed to '" + updated.name() + "' in the database -> invalidated " + key);

      for (int i = 0; i < o.reads(); i++) {
        reader.read(id);
      }
      out.println("        Corvid holds " + key + " = " + client.sync().get(key));

      Summary s = new Summary(reader.reads, db.queries(), products.stats().hits(), products.stats().misses(),
          products.stats().loads());
      out.printf("summary: %d reads -> %d database queries; cache hits %d, misses %d, loads %d (%.2f ms in the loader on average)%n",
          s.reads(), s.databaseQueries(), s.hits(), s.misses(), s.loads(),
          s.loads() == 0 ? 0.0 : products.stats().loadNanos() / 1e6 / s.loads());
      return s;
    }
  }

  /** Reads through the cache and says what happened: a hit, or a miss and who filled it. */
  private static final class Reader {
    final ProductRepository db;
    final CorvidCache<Long, Product> products;
    final String key;
    final PrintStream out;
    int reads;
    boolean loadedOnce;

    Reader(ProductRepository db, CorvidCache<Long, Product> products, String key, PrintStream out) {
      this.db = db;
      this.products = products;
      this.key = key;
      this.out = out;
    }

    void read(long id) {
      long hitsBefore = products.stats().hits();
      int queriesBefore = db.queries();
      Product p = products.get(id, db::find); // cache-aside: the loader runs only on a miss
      reads++;
      String what;
      if (db.queries() > queriesBefore) {
        what = loadedOnce ? "miss -> reloaded from database" : "miss -> loaded from database";
        loadedOnce = true;
      } else if (products.stats().hits() > hitsBefore) {
        what = "hit";
      } else {
        what = "miss -> filled by another process meanwhile";
      }
      out.println("read " + reads + ": " + key + " " + what + " (database queries so far: " + db.queries() + "): " + p);
    }
  }
}
