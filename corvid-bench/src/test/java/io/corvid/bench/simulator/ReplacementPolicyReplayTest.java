package io.corvid.bench.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.storage.policy.ReplacementPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplacementPolicyReplayTest {

  private static ReplacementPolicyReplay replay(ReplacementPolicy policy) {
    return new ReplacementPolicyReplay(policy.name(), "test", (capacity, clock, weighted) -> policy);
  }

  @Test
  void lruThroughTheHarnessMatchesAnIndependentLruCount() {
    Trace trace = Traces.skewed(11, 50_000, 3_000, 2.0);
    for (int capacity : new int[] {1, 7, 100, 1_000}) {
      assertThat(replay(new ReferenceLru()).hits(trace, capacity))
          .as("capacity %d", capacity)
          .isEqualTo(linkedHashMapLruHits(trace, capacity));
    }
  }

  static long linkedHashMapLruHits(Trace trace, int capacity) {
    Map<Integer, Boolean> lru = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Integer, Boolean> eldest) {
        return size() > capacity;
      }
    };
    long hits = 0;
    for (int i = 0; i < trace.requestCount(); i++) {
      if (lru.get(trace.request(i)) != null) {
        hits++;
      } else {
        lru.put(trace.request(i), Boolean.TRUE);
      }
    }
    return hits;
  }

  @Test
  void everyStoragePolicyKeepsTheReplayContract() {
    // The replay itself checks each victim and the final size; this runs the storage engine's
    // classes through it on entry-count and weighted traces, at capacities from 1 up.
    Trace counted = Traces.skewed(8, 30_000, 4_000, 2.0);
    Trace.Builder weightedBuilder = new Trace.Builder("weighted", true);
    java.util.Random random = new java.util.Random(9);
    for (int i = 0; i < 30_000; i++) {
      long key = (long) (4_000 * Math.pow(random.nextDouble(), 2.0));
      weightedBuilder.accept(key, 1 + (int) (key * 31 % 500));
    }
    Trace weighted = weightedBuilder.build();
    for (String name : io.corvid.storage.policy.Policies.NAMES) {
      SimulatedPolicy policy = SimulatedPolicies.named(List.of(name), 0).getFirst();
      for (long capacity : new long[] {1, 10, 1_000, 10_000}) {
        long hits = policy.hits(counted, capacity);
        assertThat(hits).as("%s at %d", name, capacity)
            .isBetween(0L, (long) counted.requestCount() - counted.distinctKeys());
      }
      for (long capacity : new long[] {600, 50_000, 1_000_000}) {
        assertThat(policy.hits(weighted, capacity)).as("%s weighted at %d", name, capacity)
            .isBetween(0L, (long) weighted.requestCount() - weighted.distinctKeys());
      }
      assertThat(policy.hits(counted, counted.distinctKeys())).as("%s holding every key", name)
          .isEqualTo(counted.requestCount() - counted.distinctKeys());
    }
  }

  @Test
  void lfuDecaysOnlyWhenTheSimulatedClockMoves() {
    // Key 0 is hot early and never again; keys 1..50 then cycle. Without decay LFU keeps key 0's
    // slot pinned; with a moving clock (1 minute decay) it ages out. Either way the replay works;
    // the hit counts must differ, which shows the clock reaches the policy.
    long[] keys = new long[20_000];
    for (int i = 0; i < 2_000; i++) {
      keys[i] = 0;
    }
    for (int i = 2_000; i < keys.length; i++) {
      keys[i] = 1 + (i % 50);
    }
    Trace trace = Traces.of(keys);
    long frozen = SimulatedPolicies.named(List.of("lfu"), 0).getFirst().hits(trace, 50);
    long moving = SimulatedPolicies.named(List.of("lfu"), 60_000_000_000L).getFirst().hits(trace, 50);
    assertThat(moving).isGreaterThan(frozen);
  }

  @Test
  void aCacheLargerThanTheTraceMissesOnlyColdKeys() {
    Trace trace = Traces.skewed(3, 10_000, 500, 1.5);
    assertThat(replay(new ReferenceLru()).hits(trace, 10_000))
        .isEqualTo(trace.requestCount() - trace.distinctKeys());
  }

  @Test
  void nodeIdsAreRecycledAndStayBelowCapacityPlusOne() {
    RecordingLru policy = new RecordingLru();
    replay(policy).hits(Traces.skewed(5, 20_000, 5_000, 1.0), 50);
    assertThat(policy.maxNode).isLessThanOrEqualTo(50);
    assertThat(policy.inserted).hasSizeLessThanOrEqualTo(51);
    assertThat(policy.setMaximumCalls).containsExactly(50L);
  }

  @Test
  void weightsAreSummedAgainstTheCapacity() {
    Trace.Builder builder = new Trace.Builder("weighted", true);
    // Key 1 weighs 6, key 2 weighs 5: a 10-unit cache cannot hold both, so LRU alternates.
    for (int i = 0; i < 10; i++) {
      builder.accept(1 + (i & 1), (i & 1) == 0 ? 6 : 5);
    }
    Trace trace = builder.build();
    assertThat(replay(new ReferenceLru()).hits(trace, 10)).isZero();
    assertThat(replay(new ReferenceLru()).hits(trace, 11)).isEqualTo(8);
  }

  @Test
  void aVictimThatIsNotCachedFailsTheReplay() {
    ReplacementPolicy liar = new ReferenceLru() {
      @Override
      public int victim() {
        return 12_345;
      }
    };
    assertThatThrownBy(() -> replay(liar).hits(Traces.of(1, 2, 3), 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("victim 12345");
  }

  @Test
  void aWrongSizeFailsTheReplay() {
    ReplacementPolicy miscounts = new ReferenceLru() {
      @Override
      public int size() {
        return super.size() + 1;
      }
    };
    assertThatThrownBy(() -> replay(miscounts).hits(Traces.of(1, 2, 3), 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("size");
  }

  /** Reference LRU that records the node ids it sees. */
  private static class RecordingLru extends ReferenceLru {
    final Set<Integer> inserted = new HashSet<>();
    final List<Long> setMaximumCalls = new ArrayList<>();
    int maxNode = -1;

    @Override
    public void onInsert(int node, long keyHash, long weight) {
      super.onInsert(node, keyHash, weight);
      inserted.add(node);
      maxNode = Math.max(maxNode, node);
    }

    @Override
    public void setMaximum(long maximum) {
      setMaximumCalls.add(maximum);
    }
  }
}
