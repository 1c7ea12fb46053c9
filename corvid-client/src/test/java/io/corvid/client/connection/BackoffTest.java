package io.corvid.client.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void doublesWithEqualJitterUpToTheCap() {
    long base = 50;
    long max = 5000;
    for (int attempt = 0; attempt < 100; attempt++) {
      long exp = Math.min(max, base << Math.min(attempt, 20));
      Set<Long> seen = new HashSet<>();
      for (int i = 0; i < 200; i++) {
        long d = Backoff.delayNanos(attempt, base, max);
        assertThat(d).isBetween(exp / 2, exp);
        seen.add(d);
      }
      if (exp >= 8) {
        assertThat(seen).as("jitter at attempt %d", attempt).hasSizeGreaterThan(1);
      }
    }
  }

  @Test
  void hugeAttemptCountsDoNotOverflow() {
    long max = 5_000_000_000L;
    assertThat(Backoff.delayNanos(Integer.MAX_VALUE, 50_000_000L, max)).isBetween(max / 2, max);
  }
}
