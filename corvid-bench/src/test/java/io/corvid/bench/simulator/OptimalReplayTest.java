package io.corvid.bench.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OptimalReplayTest {

  private final OptimalReplay opt = new OptimalReplay();

  @Test
  void beladysTextbookExample() {
    // 1 2 3 4 1 2 5 1 2 3 4 5 with 3 frames: 7 faults, so 5 hits.
    Trace trace = Traces.of(1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5);
    assertThat(opt.hits(trace, 3)).isEqualTo(5);
    assertThat(opt.hits(trace, 4)).isEqualTo(6);
  }

  @Test
  void doesNotKeepAKeyThatIsNeverUsedAgain() {
    // Demand paging would lose key 1 to key 2 and miss 1 again; OPT lets 2 pass through.
    assertThat(opt.hits(Traces.of(1, 2, 1), 1)).isEqualTo(1);
  }

  @Test
  void nextUsesPointAtTheFollowingRequestOfTheSameKey() {
    Trace trace = Traces.of(7, 8, 7, 7, 9);
    assertThat(OptimalReplay.nextUses(trace)).containsExactly(2, 5, 3, 5, 5);
  }

  @Test
  void equalsAnExhaustiveSearchOnSmallTraces() {
    Random random = new Random(7);
    for (int round = 0; round < 300; round++) {
      int length = 1 + random.nextInt(11);
      int keys = 1 + random.nextInt(5);
      long[] requests = new long[length];
      for (int i = 0; i < length; i++) {
        requests[i] = random.nextInt(keys);
      }
      int capacity = 1 + random.nextInt(3);
      Trace trace = Traces.of(requests);
      assertThat(opt.hits(trace, capacity))
          .as("trace %s capacity %d", java.util.Arrays.toString(requests), capacity)
          .isEqualTo(bestHits(requests, 0, 0L, capacity, new HashMap<>()));
    }
  }

  /** Most hits reachable from request i with the cache holding the key bits of {@code cached}. */
  private static int bestHits(long[] requests, int i, long cached, int capacity, Map<String, Integer> memo) {
    if (i == requests.length) {
      return 0;
    }
    String state = i + ":" + cached;
    Integer known = memo.get(state);
    if (known != null) {
      return known;
    }
    long bit = 1L << requests[i];
    int best;
    if ((cached & bit) != 0) {
      best = 1 + bestHits(requests, i + 1, cached, capacity, memo);
    } else {
      best = bestHits(requests, i + 1, cached, capacity, memo); // pass through
      if (Long.bitCount(cached) < capacity) {
        best = Math.max(best, bestHits(requests, i + 1, cached | bit, capacity, memo));
      } else {
        for (long rest = cached; rest != 0; rest &= rest - 1) {
          long evicted = Long.lowestOneBit(rest);
          best = Math.max(best, bestHits(requests, i + 1, (cached & ~evicted) | bit, capacity, memo));
        }
      }
    }
    memo.put(state, best);
    return best;
  }

  @Test
  void boundsLruAndCaffeineAndGrowsWithCapacity() {
    ReplacementPolicyReplay lru = new ReplacementPolicyReplay("LRU", "test", (c, clock, w) -> new ReferenceLru());
    CaffeineReplay caffeine = new CaffeineReplay();
    for (long seed = 1; seed <= 3; seed++) {
      Trace trace = Traces.skewed(seed, 20_000, 2_000, 3.0);
      long previous = -1;
      for (long capacity : new long[] {10, 100, 500, 2_000}) {
        long optHits = opt.hits(trace, capacity);
        assertThat(optHits).isGreaterThanOrEqualTo(lru.hits(trace, capacity));
        assertThat(optHits).isGreaterThanOrEqualTo(caffeine.hits(trace, capacity));
        assertThat(optHits).isGreaterThanOrEqualTo(previous);
        previous = optHits;
      }
      assertThat(opt.hits(trace, trace.distinctKeys()))
          .isEqualTo(trace.requestCount() - trace.distinctKeys());
    }
  }

  @Test
  void weightedOptNeverHoldsMoreThanTheCapacity() {
    Trace.Builder builder = new Trace.Builder("weighted", true);
    // key 1 weighs 6, key 2 and 3 weigh 3: capacity 6 holds 1 alone or 2 and 3.
    for (long key : new long[] {1, 2, 3, 2, 3, 2, 3, 1}) {
      builder.accept(key, key == 1 ? 6 : 3);
    }
    assertThat(opt.hits(builder.build(), 6)).isEqualTo(4);
  }
}
