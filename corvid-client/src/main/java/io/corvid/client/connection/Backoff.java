package io.corvid.client.connection;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of
 * {@code min(max, base * 2^n)}, so a crowd of clients that lost the same node does not come back
 * in step, and none waits less than half the exponential delay.
 */
public final class Backoff {
  private Backoff() {}

  public static long delayNanos(int attempt, long baseNanos, long maxNanos) {
    long exp = Math.min(baseNanos, maxNanos);
    for (int i = 0; i < attempt && exp < maxNanos; i++) {
      exp = exp > maxNanos / 2 ? maxNanos : exp * 2;
    }
    long half = exp / 2;
    return half + ThreadLocalRandom.current().nextLong(exp - half + 1);
  }
}
