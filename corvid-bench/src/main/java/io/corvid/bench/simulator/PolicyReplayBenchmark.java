package io.corvid.bench.simulator;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost per request of each eviction policy, replayed as the simulator replays a trace (present
 * check, policy callbacks, victim selection), on a synthetic skewed trace. This measures policy
 * bookkeeping, not hit ratio (that is {@code bin/corvid simulate}'s job).
 *
 * <pre>java -jar corvid-bench/target/corvid-bench-*-benchmarks.jar PolicyReplayBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PolicyReplayBenchmark {

  static final int REQUESTS = 1 << 20;
  static final int KEYS = 1 << 17;
  static final long CAPACITY = KEYS / 8;
  /** key = KEYS * u^SKEW: a few keys take most requests, as in a cache's working set. */
  static final double SKEW = 3.0;

  @Param({"lru", "lfu", "wtinylfu", "random", "caffeine"})
  public String policy;

  private Trace trace;
  private SimulatedPolicy replay;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(1);
    Trace.Builder builder = new Trace.Builder("skewed", false);
    for (int i = 0; i < REQUESTS; i++) {
      builder.accept((long) (KEYS * Math.pow(random.nextDouble(), SKEW)), 1);
    }
    trace = builder.build();
    replay = SimulatedPolicies.named(java.util.List.of(policy), 0).getFirst();
  }

  @Benchmark
  @OperationsPerInvocation(REQUESTS)
  public long replay() {
    return replay.hits(trace, CAPACITY);
  }
}
