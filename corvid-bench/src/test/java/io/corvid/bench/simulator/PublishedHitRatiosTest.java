package io.corvid.bench.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The simulator against the published and replayed figures of shared/traces/README.md. LRU must
 * equal the ARC paper's numbers to two decimals; OPT must equal the README's replay; Caffeine,
 * which admits a few candidates at random, must come within {@link #CAFFEINE_TOLERANCE_POINTS}.
 *
 * <p>Only the fast rows run here (arc/OLTP, lirs/gli). The others (P2, P3, scarab) take longer
 * and are checked by the command in docs/benchmarks.md.
 *
 * <p>Skips, saying so, when the shared traces folder is absent.
 */
class PublishedHitRatiosTest {

  /**
   * Caffeine's random admission moves arc/OLTP at 1000 entries by more than ±0.5 points between
   * replays (a median of 3 came out 0.53 under the recorded figure in one CI run); a wrongly set
   * up replay (weighted, another capacity, no admission) is off by several points.
   */
  private static final double CAFFEINE_TOLERANCE_POINTS = 1.0;
  private static final int CAFFEINE_REPLAYS = 5;

  private static final Map<String, Trace> LOADED = new HashMap<>();

  private static Trace trace(String name) throws IOException {
    Optional<Path> dir = TraceFiles.tracesDir();
    assumeTrue(dir.isPresent(), () -> "SKIPPED: shared traces folder not found (looked in "
        + TraceFiles.candidateDirs() + "); set -D" + TraceFiles.TRACES_PROPERTY + " or "
        + TraceFiles.TRACES_ENV + " to run the published hit-ratio checks");
    Path file = dir.get().resolve(name);
    assumeTrue(Files.isRegularFile(file), () -> "SKIPPED: trace " + file + " is missing");
    synchronized (LOADED) {
      Trace trace = LOADED.get(name);
      if (trace == null) {
        trace = TraceFiles.load(file, null);
        LOADED.put(name, trace);
      }
      return trace;
    }
  }

  private static double percent(long hits, Trace trace) {
    return HitRatioTable.percent(hits, trace.requestCount());
  }

  private static String twoDecimals(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }

  private static void checkLru(String name, long capacity, String published) throws IOException {
    Trace trace = trace(name);
    long hits = lru().hits(trace, capacity);
    assertThat(twoDecimals(percent(hits, trace))).as("LRU %s at %d", name, capacity).isEqualTo(published);
  }

  /** The storage engine's LruPolicy, through the same lookup as --policy lru. */
  private static SimulatedPolicy lru() {
    return SimulatedPolicies.named(java.util.List.of("lru"), 0).getFirst();
  }

  private static void checkOpt(String name, long capacity, String replayed) throws IOException {
    Trace trace = trace(name);
    long hits = new OptimalReplay().hits(trace, capacity);
    assertThat(twoDecimals(percent(hits, trace))).as("OPT %s at %d", name, capacity).isEqualTo(replayed);
  }

  private static void checkCaffeine(String name, long capacity, double replayed) throws IOException {
    Trace trace = trace(name);
    long hits = new CaffeineReplay().medianHits(trace, capacity, CAFFEINE_REPLAYS);
    assertThat(percent(hits, trace)).as("Caffeine %s at %d", name, capacity)
        .isCloseTo(replayed, within(CAFFEINE_TOLERANCE_POINTS));
  }

  @Test
  void oltpTraceIsTheArcPapersTrace() throws IOException {
    Trace trace = trace("arc/OLTP.lis.xz");
    assertThat(trace.requestCount()).isEqualTo(914_145);
    assertThat(trace.distinctKeys()).isEqualTo(186_880);
  }

  @Test
  void lruEqualsThePublishedFigures() throws IOException {
    checkLru("arc/OLTP.lis.xz", 1_000, "32.83");
    checkLru("arc/OLTP.lis.xz", 2_000, "42.47");
    checkLru("arc/OLTP.lis.xz", 15_000, "64.63");
    checkLru("lirs/gli.trace.gz", 1_000, "11.21");
  }

  @Test
  void optEqualsTheReplayedFigures() throws IOException {
    checkOpt("arc/OLTP.lis.xz", 1_000, "53.62");
    checkOpt("arc/OLTP.lis.xz", 2_000, "60.40");
    checkOpt("arc/OLTP.lis.xz", 15_000, "75.14");
    checkOpt("lirs/gli.trace.gz", 1_000, "53.15");
  }

  @Test
  void caffeineMatchesTheReplayedFigures() throws IOException {
    checkCaffeine("arc/OLTP.lis.xz", 1_000, 39.84);
    checkCaffeine("arc/OLTP.lis.xz", 2_000, 46.08);
    checkCaffeine("arc/OLTP.lis.xz", 15_000, 59.30);
    checkCaffeine("lirs/gli.trace.gz", 1_000, 41.60);
  }
}
