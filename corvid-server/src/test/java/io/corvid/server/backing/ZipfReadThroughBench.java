package io.corvid.server.backing;

import io.corvid.server.testing.ServerProcess;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Benchmark, not a test (surefire does not pick up *Bench; run it with
 * {@code -Dtest=ZipfReadThroughBench}): a read-heavy Zipf workload over {@value #ROWS} rows,
 * once straight to PostgreSQL and once through a Corvid node with read-through, printing the
 * database queries per second each way, the reduction and the node's hit ratio. Results go to
 * docs/benchmarks.md.
 */
class ZipfReadThroughBench {
  static final int ROWS = 10_000;
  static final int READS_PER_THREAD = Integer.getInteger("bench.reads", 25_000);
  static final int THREADS = 8;
  static final double SKEW = 0.99;

  /** Zipf ranks 1..n by inverse CDF over precomputed cumulative weights. */
  static int[] zipfKeys(int count, long seed) {
    double[] cdf = new double[ROWS];
    double sum = 0;
    for (int i = 0; i < ROWS; i++) {
      sum += 1 / Math.pow(i + 1, SKEW);
      cdf[i] = sum;
    }
    SplittableRandom r = new SplittableRandom(seed);
    int[] keys = new int[count];
    for (int i = 0; i < count; i++) {
      double u = r.nextDouble() * sum;
      int idx = java.util.Arrays.binarySearch(cdf, u);
      keys[i] = (idx < 0 ? -idx - 1 : idx) + 1;
    }
    return keys;
  }

  @Test
  void zipfReads() throws Exception {
    Pg.exec("DROP TABLE IF EXISTS zipf_items",
        "CREATE TABLE zipf_items (id int PRIMARY KEY, payload text)",
        "INSERT INTO zipf_items SELECT g, repeat('x', 100) || g FROM generate_series(1, " + ROWS + ") g",
        "SELECT pg_stat_statements_reset()");
    // Straight to PostgreSQL: every read is a query.
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    long t0 = System.nanoTime();
    List<Future<?>> fs = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int[] keys = zipfKeys(READS_PER_THREAD, t);
      fs.add(pool.submit(() -> {
        try (Connection c = Pg.connect(); PreparedStatement ps = c.prepareStatement("SELECT payload FROM zipf_items WHERE id = ?")) {
          for (int k : keys) {
            ps.setInt(1, k);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
            }
          }
        }
        return null;
      }));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    double directSeconds = (System.nanoTime() - t0) / 1e9;
    long reads = (long) THREADS * READS_PER_THREAD;
    System.out.printf("direct: %d reads in %.2f s = %.0f reads/s = %.0f queries/s to PostgreSQL%n", reads, directSeconds,
        reads / directSeconds, reads / directSeconds);
    Pg.exec("SELECT pg_stat_statements_reset()");
    try (ServerProcess s = ServerProcess.start("--backing-store",
        Pg.store("item:", "zipf_items", "value-column=payload ttl=3600 pool-size=8"))) {
      t0 = System.nanoTime();
      fs.clear();
      for (int t = 0; t < THREADS; t++) {
        int[] keys = zipfKeys(READS_PER_THREAD, t);
        fs.add(pool.submit(() -> {
          try (Jedis j = new Jedis(s.host(), s.port(), 30_000)) {
            for (int k : keys) {
              j.get("item:" + k);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      double cachedSeconds = (System.nanoTime() - t0) / 1e9;
      long queries = Pg.selects("zipf_items");
      long loads = ReadThroughPostgresIT.infoLong(s, "backingstore_loads");
      long saved = ReadThroughPostgresIT.infoLong(s, "backingstore_queries_saved");
      System.out.printf("read-through: %d reads in %.2f s = %.0f reads/s; %d queries to PostgreSQL (node loads %d) = %.0f"
          + " queries/s; hit ratio %.4f; queries per read %.4f (direct: 1)%n", reads, cachedSeconds, reads / cachedSeconds,
          queries, loads, queries / cachedSeconds, saved / (double) reads, queries / (double) reads);
    } finally {
      pool.shutdownNow();
    }
  }
}
