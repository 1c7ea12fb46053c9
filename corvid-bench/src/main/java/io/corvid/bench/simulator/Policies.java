package io.corvid.bench.simulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The columns the simulator knows, by the name given to {@code --policy}. Corvid's policies are
 * the storage engine's own classes ({@code io.corvid.storage.policy}), never copies.
 */
public final class Policies {

  /** The columns of {@code --compare}, in order. */
  static final List<String> COMPARE = List.of("lru", "lfu", "wtinylfu", "caffeine", "opt");

  private Policies() {}

  /** Every known policy by lower-case name (aliases included), in display order. */
  static Map<String, SimulatedPolicy> all() {
    Map<String, SimulatedPolicy> byName = new LinkedHashMap<>();
    byName.put("caffeine", new CaffeineReplay());
    byName.put("opt", new OptimalReplay());
    return byName;
  }

  /** Looks up {@code --policy} values; unknown names fail with the list of known ones. */
  static List<SimulatedPolicy> named(List<String> names) {
    Map<String, SimulatedPolicy> known = all();
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
