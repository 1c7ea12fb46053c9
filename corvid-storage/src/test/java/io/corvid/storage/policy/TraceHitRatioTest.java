package io.corvid.storage.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corvid.common.FakeClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hit-ratio regression on real traces (../shared/traces; skipped when absent), with entry-count
 * capacity as the simulator uses. LRU must reproduce the published figures exactly (it is exact
 * LRU); W-TinyLFU must stay within 1 point of the better of LRU and Caffeine 3.2 (the traces
 * README's table). Only the traces that replay in about a second are here; scarab and P2 are
 * recorded in WTinyLfuPolicy's class comment.
 */
class TraceHitRatioTest {

  @ParameterizedTest(name = "{0} at {1}")
  @CsvSource({
    // trace,               capacity, published LRU, better of LRU and Caffeine
    "lirs/gli.trace.gz,     1000,     11.21,         41.60",
    "arc/OLTP.lis.xz,       1000,     32.83,         39.84",
    "arc/OLTP.lis.xz,       2000,     42.47,         46.08",
    "arc/OLTP.lis.xz,       15000,    64.63,         64.63",
  })
  void lruIsExactAndWTinyLfuIsWithinAPointOfTheBest(String file, int capacity, double lru, double best) throws Exception {
    assumeTrue(Traces.available(file), "trace " + file + " not found under " + Traces.ROOT);
    long[] trace = Traces.read(file);
    assertThat(Traces.hitRatio(new LruPolicy(), trace, capacity)).isCloseTo(lru, org.assertj.core.data.Offset.offset(0.005));
    double tiny = Traces.hitRatio(Policies.create("wtinylfu", capacity, new FakeClock()), trace, capacity);
    assertThat(tiny).as(file + " at " + capacity).isGreaterThanOrEqualTo(best - 1);
  }
}
