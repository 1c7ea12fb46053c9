package io.corvid.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Runs the seeded cluster simulation. {@code -Dcorvid.sim.seeds=N} runs N seeds (default
 * {@link #DEFAULT_SEEDS}) starting at {@code -Dcorvid.sim.firstSeed} (default 1);
 * {@code -Dcorvid.sim.seed=S} replays one seed.
 */
class SimulationTest {
  static final int DEFAULT_SEEDS = 1000;
  static final int THREADS = 2;

  @Test
  void manySeedsKeepEveryInvariant() {
    String one = System.getProperty("corvid.sim.seed");
    long first = Long.getLong("corvid.sim.firstSeed", 1);
    int count = Integer.getInteger("corvid.sim.seeds", DEFAULT_SEEDS);
    if (one != null) {
      first = Long.parseLong(one);
      count = 1;
    }
    // Seeds are independent and each is deterministic: run them on two threads.
    java.util.concurrent.atomic.AtomicLong steps = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong acked = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong crashes = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong partitions = new java.util.concurrent.atomic.AtomicLong();
    long t0 = System.nanoTime();
    java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(THREADS);
    long from = first;
    int n = count;
    try {
      pool.submit(() -> java.util.stream.LongStream.range(from, from + n).parallel().forEach(seed -> {
        Simulation.Stats s = new Simulation(seed).run();
        steps.addAndGet(s.steps());
        acked.addAndGet(s.acked());
        crashes.addAndGet(s.crashes());
        partitions.addAndGet(s.partitions());
      })).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    } finally {
      pool.shutdown();
    }
    System.out.printf("simulated %d seeds in %d ms: %d steps, %d acknowledged writes, %d crashes, %d partitions%n",
        count, (System.nanoTime() - t0) / 1_000_000, steps.get(), acked.get(), crashes.get(), partitions.get());
    assertThat(acked.get()).isPositive();
  }
}
