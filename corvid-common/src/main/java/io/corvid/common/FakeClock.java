package io.corvid.common;

import java.util.concurrent.TimeUnit;

/** A clock that only moves when told to. Thread-safe enough for tests (volatile reads). */
public final class FakeClock implements Clock {
  private volatile long nanos;
  private volatile long epochMillisAtZero;

  public FakeClock() {
    this(1_700_000_000_000L);
  }

  public FakeClock(long epochMillis) {
    this.epochMillisAtZero = epochMillis;
  }

  @Override public long currentTimeMillis() { return epochMillisAtZero + TimeUnit.NANOSECONDS.toMillis(nanos); }

  @Override public long nanoTime() { return nanos; }

  public FakeClock advance(long amount, TimeUnit unit) {
    nanos += unit.toNanos(amount);
    return this;
  }

  public FakeClock advanceMillis(long millis) {
    return advance(millis, TimeUnit.MILLISECONDS);
  }
}
