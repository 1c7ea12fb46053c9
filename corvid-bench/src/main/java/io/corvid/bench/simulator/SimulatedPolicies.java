package io.corvid.bench.simulator;

import io.corvid.common.Clock;
import io.corvid.storage.policy.Policies;
import io.corvid.storage.policy.ReplacementPolicy;
import io.corvid.storage.policy.WTinyLfuPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The columns the simulator knows, by the name given to {@code --policy}. Corvid's policies are
 * the storage engine's own classes ({@code io.corvid.storage.policy}), never copies.
 */
public final class SimulatedPolicies {

  /** The columns of {@code --compare}, in order. */
  static final List<String> COMPARE = List.of("lru", "lfu", "wtinylfu", "caffeine", "opt");

  /** Seed of the weighted W-TinyLFU's hash-flooding coin, fixed so replays repeat. */
  static final long WEIGHTED_WTINYLFU_SEED = 0xCAFEL;

  private SimulatedPolicies() {}

  /** Every known policy by lower-case name (aliases included), in display order. */
  static Map<String, SimulatedPolicy> all(long nanosPerRequest) {
    Map<String, SimulatedPolicy> byName = new LinkedHashMap<>();
    byName.put("lru", corvid("LRU", "lru", nanosPerRequest));
    byName.put("lfu", corvid("LFU", "lfu", nanosPerRequest));
    byName.put("wtinylfu", corvid("W-TinyLFU", "wtinylfu", nanosPerRequest));
    byName.put("random", corvid("Random", "random", nanosPerRequest));
    byName.put("caffeine", new CaffeineReplay());
    byName.put("opt", new OptimalReplay());
    return byName;
  }

  /**
   * One of the storage engine's policies, made by its own factory ({@link Policies#create}): the
   * classes and defaults the keyspace constructs; for a weighted trace W-TinyLFU is built in its
   * weighted mode, as the keyspace builds it for byte budgets.
   */
  static SimulatedPolicy corvid(String column, String name, long nanosPerRequest) {
    String className = Policies.create(name, 1, Clock.SYSTEM).getClass().getName();
    return new ReplacementPolicyReplay(column, className + " (Corvid storage engine)",
        (capacity, clock, weighted) -> create(name, capacity, clock, weighted), nanosPerRequest);
  }

  private static ReplacementPolicy create(String name, long capacity, Clock clock,
      boolean weighted) {
    if (weighted && name.equals("wtinylfu")) {
      return new WTinyLfuPolicy(capacity, true, WEIGHTED_WTINYLFU_SEED);
    }
    return Policies.create(name, capacity, clock);
  }

  /** Looks up {@code --policy} values; unknown names fail with the list of known ones. */
  static List<SimulatedPolicy> named(List<String> names, long nanosPerRequest) {
    Map<String, SimulatedPolicy> known = all(nanosPerRequest);
    List<SimulatedPolicy> chosen = new ArrayList<>();
    for (String name : names) {
      SimulatedPolicy policy = known.get(normalise(name));
      if (policy == null) {
        throw new IllegalArgumentException("unknown policy '" + name + "'; known: "
            + String.join(", ", known.keySet()));
      }
      chosen.add(policy);
    }
    return chosen;
  }

  static String normalise(String name) {
    String lower = name.toLowerCase(Locale.ROOT).replace("_", "-");
    if (lower.startsWith("allkeys-")) {
      lower = lower.substring("allkeys-".length());
    }
    return lower.equals("w-tinylfu") ? "wtinylfu" : lower;
  }
}
