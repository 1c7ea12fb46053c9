package io.corvid.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The memory meter against the real process: a fresh JVM ({@link MemoryFootprint}) fills keys of
 * 16 bytes with 100-byte values and reports its RSS growth (/proc/self/statm) next to the
 * keyspace's {@code usedMemory}. A fresh process because RSS is process-wide: anything else this
 * test JVM does would move it.
 *
 * <p>Tolerance: RSS growth may exceed usedMemory by at most 15% (the JVM heap commits more than
 * the live index arrays it holds; malloc keeps a little slack), and may not fall below 95% of it
 * (the meter must not over-charge either). The budget: at most 205 bytes of RSS per key (Redis 7
 * for the same data), and the meter's own figure at most 170.
 */
class MemoryMeterTest {
  private static final int KEYS = 1_000_000;
  private static final double REDIS7_BYTES_PER_KEY = 205;
  private static final double METER_BUDGET_BYTES_PER_KEY = 170;

  @Test
  void usedMemoryTracksRssForAMillionKeys() throws Exception {
    Map<String, Long> m = runFootprint(KEYS, "noeviction", 0, false);
    assertThat(m.get("keys")).isEqualTo(KEYS);
    double rssPerKey = m.get("rssGrowth") / (double) KEYS;
    double usedPerKey = m.get("usedGrowth") / (double) KEYS;
    System.out.printf("noeviction: RSS %.1f bytes/key, usedMemory %.1f bytes/key%n", rssPerKey, usedPerKey);
    assertThat(usedPerKey).isLessThan(METER_BUDGET_BYTES_PER_KEY);
    assertThat(rssPerKey).isLessThan(REDIS7_BYTES_PER_KEY);
    assertThat((double) m.get("rssGrowth")).isBetween(0.95 * m.get("usedGrowth"), 1.15 * m.get("usedGrowth"));
  }

  @Test
  void memoryIsReleasedAfterEveryFlushAcrossTenRounds() throws Exception {
    int keys = 200_000;
    // A fixed, pre-touched heap: how much of its heap the JVM happens to touch during a fill is
    // GC's choice and showed up here as RSS; with it out of the picture RSS moves with native memory only.
    Map<String, Long> m = runFootprint(keys, "allkeys-lru", 10, true, "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch");
    long firstFill = m.get("rssGrowth");
    assertThat(m.get("round1.filledRss")).isLessThan(firstFill * 13 / 10);
    for (int round = 1; round <= 10; round++) {
      assertThat(m.get("round" + round + ".flushedUsed")).as("usedMemory after flush, round " + round).isZero();
      // RSS may keep the heap the JVM committed, never the entries: below half a fill after a flush.
      assertThat(m.get("round" + round + ".flushedRss")).as("RSS after flush, round " + round).isLessThan(firstFill / 2);
      // Refilling costs what the first refill did: no leak accumulates round after round.
      assertThat(m.get("round" + round + ".filledRss")).as("RSS after refill, round " + round)
          .isLessThan(m.get("round1.filledRss") * 11 / 10 + (4 << 20));
    }
  }

  static Map<String, Long> runFootprint(int keys, String policy, int rounds, boolean ttl, String... jvmOptions)
      throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xss2m"));
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of(
        "-cp", System.getProperty("java.class.path"), MemoryFootprint.class.getName(),
        Integer.toString(keys), policy, Integer.toString(rounds), Boolean.toString(ttl)));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    Map<String, Long> measures = new HashMap<>();
    StringBuilder output = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        output.append(line).append('\n');
        int eq = line.indexOf('=');
        if (eq > 0) {
          try {
            measures.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
          } catch (NumberFormatException ignored) {
            // not a measure line
          }
        }
      }
    }
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output.toString()).isZero();
    System.out.print(output);
    return measures;
  }
}
