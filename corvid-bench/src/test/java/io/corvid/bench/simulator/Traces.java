package io.corvid.bench.simulator;

import java.util.Random;

/** Builds small in-memory traces for tests. */
final class Traces {

  private Traces() {}

  static Trace of(long... keys) {
    Trace.Builder builder = new Trace.Builder("test", false);
    for (long key : keys) {
      builder.accept(key, 1);
    }
    return builder.build();
  }

  /** Skewed random keys: key = floor(keys * u^skew), so small keys are hot. Seeded. */
  static Trace skewed(long seed, int requests, int keys, double skew) {
    Random random = new Random(seed);
    Trace.Builder builder = new Trace.Builder("skewed-" + seed, false);
    for (int i = 0; i < requests; i++) {
      builder.accept((long) (keys * Math.pow(random.nextDouble(), skew)), 1);
    }
    return builder.build();
  }
}
