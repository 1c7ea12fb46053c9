package io.corvid.common;

/**
 * The source of time for everything that must be testable without sleeping. Production code gets
 * {@link #SYSTEM}; tests get a {@code FakeClock} they advance by hand.
 */
public interface Clock {

  /** Wall-clock time in milliseconds since the epoch (for EXPIREAT, TTL, TIME). */
  long currentTimeMillis();

  /** Monotonic time in nanoseconds (for durations, idle times, slowlog). */
  long nanoTime();

  Clock SYSTEM = new Clock() {
    @Override public long currentTimeMillis() { return System.currentTimeMillis(); }
    @Override public long nanoTime() { return System.nanoTime(); }
  };
}
