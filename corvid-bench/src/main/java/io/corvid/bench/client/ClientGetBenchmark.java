package io.corvid.bench.client;

import io.corvid.client.CorvidClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.BenchmarkParams;
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
 * Issue 4's client targets: a synchronous GET round trip on one thread (corvid-client within 10%
 * of Lettuce), and the throughput of 16 threads sharing one client (at least Lettuce's). Both
 * clients use one multiplexed connection, RESP3, to the same server, which the benchmark does not
 * start: run a node (or redis-server) and pass its address, e.g.
 *
 * <pre>
 * bin/corvid server --port 6380 &amp;
 * java -jar corvid-bench/target/corvid-bench-*-benchmarks.jar ClientGetBenchmark -p address=127.0.0.1:6380
 * </pre>
 *
 * The key holds a 100-byte value. Scores: {@code singleThread*} in microseconds per GET,
 * {@code sixteenThreads*} in GETs per second (all threads together). Each measurement iteration
 * also prints the CPU time of the JVM's Java threads (caller threads, the client's event loops;
 * not JIT or GC) per GET ({@link CpuPerOp}): on a shared machine that is the steadier figure.
 * {@link ClientCompare} runs the Corvid and Lettuce twins interleaved.
 */
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class ClientGetBenchmark {
  static final String KEY = "bench:client:key";

  @Param("127.0.0.1:6379")
  public String address;

  private CorvidClient corvid;
  private RedisClient lettuceClient;
  private StatefulRedisConnection<String, String> lettuceConnection;
  private RedisCommands<String, String> lettuce;
  private final Queue<Ops> threads = new ConcurrentLinkedQueue<>();
  private long iterationCpu;
  private long iterationOps;

  /** GETs done by one benchmark thread (a plain field: only its thread writes it). */
  @State(Scope.Thread)
  public static class Ops {
    long count;

    @Setup(Level.Trial)
    public void register(ClientGetBenchmark benchmark) {
      benchmark.threads.add(this);
    }
  }

  private long ops() {
    long n = 0;
    for (Ops o : threads) {
      n += o.count;
    }
    return n;
  }

  @Setup(Level.Iteration)
  public void iterationStart() {
    iterationOps = ops();
    iterationCpu = CpuPerOp.javaThreadsCpuNanos();
  }

  @TearDown(Level.Iteration)
  public void iterationEnd(BenchmarkParams benchmark, IterationParams iteration) {
    long cpu = CpuPerOp.javaThreadsCpuNanos() - iterationCpu;
    if (iteration.getType() == IterationType.MEASUREMENT) {
      String name = benchmark.getBenchmark();
      CpuPerOp.report(name.substring(name.lastIndexOf('.') + 1), cpu, ops() - iterationOps);
    }
  }

  @Setup(Level.Trial)
  public void setUp() {
    corvid = CorvidClient.connect(address);
    corvid.sync().set(KEY, "v".repeat(100));
    lettuceClient = RedisClient.create("redis://" + address);
    lettuceConnection = lettuceClient.connect();
    lettuce = lettuceConnection.sync();
    if (!lettuce.get(KEY).equals(corvid.sync().get(KEY))) {
      throw new IllegalStateException("the two clients disagree");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    corvid.close();
    lettuceConnection.close();
    lettuceClient.shutdown();
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Threads(1)
  public String singleThreadCorvid(Ops ops) {
    ops.count++;
    return corvid.sync().get(KEY);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Threads(1)
  public String singleThreadLettuce(Ops ops) {
    ops.count++;
    return lettuce.get(KEY);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(16)
  public String sixteenThreadsCorvid(Ops ops) {
    ops.count++;
    return corvid.sync().get(KEY);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(16)
  public String sixteenThreadsLettuce(Ops ops) {
    ops.count++;
    return lettuce.get(KEY);
  }
}
