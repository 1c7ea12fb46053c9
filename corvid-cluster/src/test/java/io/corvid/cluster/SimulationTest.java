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

  @Test
  void manySeedsKeepEveryInvariant() {
    String one = System.getProperty("corvid.sim.seed");
    long first = Long.getLong("corvid.sim.firstSeed", 1);
    int count = Integer.getInteger("corvid.sim.seeds", DEFAULT_SEEDS);
    if (one != null) {
      first = Long.parseLong(one);
      count = 1;
    }
    long steps = 0;
    long acked = 0;
    long crashes = 0;
    long partitions = 0;
    long t0 = System.nanoTime();
    for (long seed = first; seed < first + count; seed++) {
      Simulation.Stats s = new Simulation(seed).run();
      steps += s.steps();
      acked += s.acked();
      crashes += s.crashes();
      partitions += s.partitions();
    }
    System.out.printf("simulated %d seeds in %d ms: %d steps, %d acknowledged writes, %d crashes, %d partitions%n",
        count, (System.nanoTime() - t0) / 1_000_000, steps, acked, crashes, partitions);
    assertThat(acked).isPositive();
  }
}
