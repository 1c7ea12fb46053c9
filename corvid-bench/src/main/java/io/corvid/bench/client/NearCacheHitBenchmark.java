package io.corvid.bench.client;

import io.corvid.client.CacheOptions;
import io.corvid.client.CorvidCache;
import io.corvid.client.CorvidClient;
import io.corvid.client.codec.Codecs;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 4's near-cache target: a hit served in process, at least 10 million reads per second on
 * one thread. Needs a server with CLIENT TRACKING (redis-server 7, or Corvid once tracking lands):
 * {@code -p address=127.0.0.1:6379}. Reads 1000 keys round-robin, all cached. Each measurement
 * iteration also prints the benchmark thread's CPU time per hit ({@link CpuPerOp}): 100 ns or less
 * is 10 million hits per second of one core, whatever else the machine runs.
 */
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class NearCacheHitBenchmark {
  static final int KEYS = 1000;

  @Param("127.0.0.1:6379")
  public String address;

  private CorvidClient client;
  private CorvidCache<String, String> cache;
  private String[] keys;

  @Setup(Level.Trial)
  public void setUp() {
    client = CorvidClient.connect(address);
    cache = client.cache(CacheOptions.of("bench-near", Codecs.string(), Codecs.string()).nearCache(10_000, Duration.ofMinutes(10)));
    keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "k" + i;
      cache.put(keys[i], "value-" + i);
      cache.get(keys[i]);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    client.close();
  }

  /** The benchmark thread's position in the keys, and its CPU time per hit ({@link CpuPerOp}). */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
    long count;
    long iterationCpu;
    long iterationCount;

    @Setup(Level.Iteration)
    public void iterationStart() {
      iterationCount = count;
      iterationCpu = CpuPerOp.threadCpuNanos();
    }

    @TearDown(Level.Iteration)
    public void iterationEnd(IterationParams iteration) {
      long cpu = CpuPerOp.threadCpuNanos() - iterationCpu;
      if (iteration.getType() == IterationType.MEASUREMENT) {
        CpuPerOp.report("nearCacheHit", cpu, count - iterationCount);
      }
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(1)
  public String nearCacheHit(Cursor cursor) {
    int i = cursor.next;
    cursor.count++;
    cursor.next = i + 1 == KEYS ? 0 : i + 1;
    return cache.get(keys[i]);
  }
}
