package io.corvid.server.backing;

import java.util.function.BooleanSupplier;

/** Polls a condition with a generous deadline (the test box is shared and slow at times). */
final class Await {
  static final long DEFAULT_TIMEOUT_MILLIS = 30_000;

  private Await() {}

  static void until(String what, BooleanSupplier condition) {
    until(what, DEFAULT_TIMEOUT_MILLIS, condition);
  }

  static void until(String what, long timeoutMillis, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out after " + timeoutMillis + " ms waiting for: " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
