package io.corvid.storage.policy;

import io.corvid.common.Clock;
import java.util.List;
import java.util.Locale;

/**
 * Creates replacement policies by name, for the keyspace and for the trace simulator alike.
 * Names: {@code lru}, {@code lfu}, {@code wtinylfu} (also {@code w-tinylfu}), {@code random}.
 */
public final class Policies {
  public static final List<String> NAMES = List.of("lru", "lfu", "wtinylfu", "random");

  private Policies() {}

  /**
   * A new policy. {@code maximum} is the budget it sizes its regions by (entries in a simulation,
   * bytes in the keyspace); the clock drives LFU decay.
   */
  public static ReplacementPolicy create(String name, long maximum, Clock clock) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "lru" -> new LruPolicy();
      case "lfu" -> new LfuPolicy(clock);
      case "wtinylfu", "w-tinylfu" -> new WTinyLfuPolicy(maximum);
      case "random" -> new RandomPolicy();
      default -> throw new IllegalArgumentException("unknown policy '" + name + "', expected one of " + NAMES);
    };
  }
}
