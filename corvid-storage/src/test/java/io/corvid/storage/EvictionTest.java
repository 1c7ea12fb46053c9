package io.corvid.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.FakeClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Eviction through the keyspace: which keys leave, and when evictIfNeeded refuses. */
class EvictionTest {
  private static final byte[] VALUE = new byte[100];

  private final FakeClock clock = new FakeClock();
  private final List<String> evicted = new ArrayList<>();

  private OffHeapKeyspace keyspace(EvictionPolicy policy) {
    OffHeapKeyspace ks = new OffHeapKeyspace(StorageConfig.defaults().withDatabases(1).withPolicy(policy), clock);
    ks.setListener(new KeyspaceListener() {
      @Override
      public void keyChanged(int db, byte[] key, int off, int len, Cause cause) {
        if (cause == Cause.EVICT) {
          evicted.add(new String(key, off, len, UTF_8));
        }
      }

      @Override
      public void databaseFlushed(int db) {}
    });
    return ks;
  }

  private static void set(Keyspace ks, String key, long expireAt) {
    byte[] k = key.getBytes(UTF_8);
    ks.setString(0, k, 0, k.length, VALUE, 0, VALUE.length, expireAt, false);
  }

  private static long get(Keyspace ks, String key) {
    byte[] k = key.getBytes(UTF_8);
    return ks.lookup(0, k, 0, k.length, 0);
  }

  /**
   * Sets maxmemory so that about {@code n} entries have to go (a few less: each removal also frees
   * some index, such as an emptied slot table).
   */
  private static void overBy(OffHeapKeyspace ks, int n) {
    long perEntry = ks.entryBytes() / ks.size(0);
    ks.setMaxMemory(ks.usedMemory() - n * perEntry + perEntry / 2);
  }

  @Test
  void lruEvictsExactlyInRecencyOrder() {
    OffHeapKeyspace ks = keyspace(EvictionPolicy.ALLKEYS_LRU);
    for (int i = 0; i < 100; i++) {
      set(ks, "k" + i, Keyspace.NO_EXPIRY);
    }
    // Touch the even keys in reverse: the odd ones are now the eldest, in insertion order.
    for (int i = 98; i >= 0; i -= 2) {
      assertThat(get(ks, "k" + i)).isNotEqualTo(Keyspace.NONE);
    }
    // A NOTOUCH lookup does not count as use.
    byte[] k1 = "k1".getBytes(UTF_8);
    ks.lookup(0, k1, 0, 2, Keyspace.LOOKUP_NOTOUCH);
    overBy(ks, 60);
    assertThat(ks.evictIfNeeded()).isTrue();
    List<String> expected = new ArrayList<>();
    for (int i = 1; i < 100; i += 2) {
      expected.add("k" + i);
    }
    for (int i = 98; expected.size() < 60; i -= 2) {
      expected.add("k" + i);
    }
    assertThat(evicted.size()).isBetween(40, 60);
    assertThat(evicted).containsExactlyElementsOf(expected.subList(0, evicted.size()));
    assertThat(ks.stats().evictedKeys()).isEqualTo(evicted.size());
    ks.close();
  }

  @Test
  void noevictionRefusesWhenOver() {
    OffHeapKeyspace ks = keyspace(EvictionPolicy.NOEVICTION);
    for (int i = 0; i < 10; i++) {
      set(ks, "k" + i, Keyspace.NO_EXPIRY);
    }
    assertThat(ks.evictIfNeeded()).as("maxmemory 0: unlimited").isTrue();
    overBy(ks, 3);
    assertThat(ks.evictIfNeeded()).isFalse();
    assertThat(ks.size(0)).isEqualTo(10);
    assertThat(evicted).isEmpty();
    ks.close();
  }

  @Test
  void volatilePoliciesEvictOnlyVolatileKeysAndRefuseWhenNoneIsLeft() {
    for (EvictionPolicy policy : new EvictionPolicy[] {
        EvictionPolicy.VOLATILE_LRU, EvictionPolicy.VOLATILE_LFU, EvictionPolicy.VOLATILE_RANDOM, EvictionPolicy.VOLATILE_TTL}) {
      evicted.clear();
      OffHeapKeyspace ks = keyspace(policy);
      long far = clock.currentTimeMillis() + 1_000_000;
      for (int i = 0; i < 20; i++) {
        set(ks, "persistent" + i, Keyspace.NO_EXPIRY);
        set(ks, "volatile" + i, far + i);
      }
      overBy(ks, 30);
      assertThat(ks.evictIfNeeded()).as(policy.configName()).isFalse();
      assertThat(evicted).as(policy.configName()).hasSize(20).allMatch(k -> k.startsWith("volatile"));
      assertThat(ks.size(0)).isEqualTo(20);
      assertThat(ks.volatileSize(0)).isZero();
      ks.checkInvariants();
      ks.close();
    }
  }

  @Test
  void volatileTtlEvictsTheSoonestExpiryFirst() {
    OffHeapKeyspace ks = keyspace(EvictionPolicy.VOLATILE_TTL);
    long now = clock.currentTimeMillis();
    int[] order = {5, 3, 9, 1, 7, 0, 8, 2, 6, 4};
    for (int i : order) {
      set(ks, "k" + i, now + 1_000 + i * 10L);
    }
    overBy(ks, 5);
    assertThat(ks.evictIfNeeded()).isTrue();
    assertThat(evicted.size()).isBetween(3, 5);
    assertThat(evicted).containsExactlyElementsOf(java.util.List.of("k0", "k1", "k2", "k3", "k4").subList(0, evicted.size()));
    ks.close();
  }

  @Test
  void lfuEvictsTheLeastFrequentAndLetsIdleHotKeysAge() {
    OffHeapKeyspace ks = keyspace(EvictionPolicy.ALLKEYS_LFU);
    ks.setLfuLogFactor(0); // every hit counts: deterministic counters
    for (int i = 0; i < 10; i++) {
      set(ks, "old-hot" + i, Keyspace.NO_EXPIRY);
      for (int h = 0; h < 30; h++) {
        get(ks, "old-hot" + i);
      }
    }
    assertThat(ks.lfuFrequency(get(ks, "old-hot0"))).isGreaterThan(30);
    // An hour passes: the old hot keys are idle while new keys get moderate use.
    clock.advance(60, TimeUnit.MINUTES);
    for (int i = 0; i < 10; i++) {
      set(ks, "new" + i, Keyspace.NO_EXPIRY);
      for (int h = 0; h < 5; h++) {
        get(ks, "new" + i);
      }
    }
    byte[] probe = "old-hot0".getBytes(UTF_8);
    assertThat(ks.lfuFrequency(ks.lookup(0, probe, 0, probe.length, Keyspace.LOOKUP_NOTOUCH)))
        .as("decayed by one per minute").isLessThan(5);
    overBy(ks, 10);
    assertThat(ks.evictIfNeeded()).isTrue();
    assertThat(evicted).hasSizeBetween(7, 10).allMatch(k -> k.startsWith("old-hot"));
    ks.close();
  }

  @Test
  void wtinylfuAndRandomStayWithinBudgetUnderChurn() {
    for (EvictionPolicy policy : new EvictionPolicy[] {EvictionPolicy.ALLKEYS_WTINYLFU, EvictionPolicy.ALLKEYS_RANDOM}) {
      evicted.clear();
      OffHeapKeyspace ks = keyspace(policy);
      for (int i = 0; i < 200; i++) {
        set(ks, "warm" + i, Keyspace.NO_EXPIRY);
      }
      ks.setMaxMemory(ks.usedMemory());
      for (int i = 0; i < 5_000; i++) {
        assertThat(ks.evictIfNeeded()).isTrue();
        set(ks, "k" + (i % 700), Keyspace.NO_EXPIRY);
        get(ks, "k" + (i % 50));
      }
      assertThat(ks.evictIfNeeded()).isTrue();
      assertThat(ks.usedMemory()).isLessThanOrEqualTo(ks.maxMemory());
      assertThat(ks.stats().evictedKeys()).isEqualTo(evicted.size()).isPositive();
      ks.checkInvariants();
      ks.close();
    }
  }

  @Test
  void changingThePolicyAtRuntimeKeepsRecencyForLru() {
    OffHeapKeyspace ks = keyspace(EvictionPolicy.NOEVICTION);
    for (int i = 0; i < 10; i++) {
      set(ks, "k" + i, Keyspace.NO_EXPIRY);
      clock.advanceMillis(2_000); // access times are kept to the second
    }
    get(ks, "k0");
    ks.setPolicy(EvictionPolicy.ALLKEYS_LRU);
    overBy(ks, 3);
    assertThat(ks.evictIfNeeded()).isTrue();
    assertThat(evicted).isNotEmpty().containsExactlyElementsOf(java.util.List.of("k1", "k2", "k3").subList(0, evicted.size()));
    ks.close();
  }
}
