package io.corvid.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.FakeClock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Memory comes back after mass expiry or deletion: slot tables halve and disappear, and the node
 * table, the policy's per-node arrays and the expiry heap are compacted, with every surviving
 * entry unchanged (value, TTL, LRU position, LFU count).
 */
class ShrinkTest {
  private static final int KEYS = 120_000;
  private static final int SURVIVOR_EVERY = 67;

  private final FakeClock clock = new FakeClock();

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void massExpiryGivesTheIndexBackAndKeepsSurvivorsIntact(EvictionPolicy policy) {
    try (OffHeapKeyspace ks = new OffHeapKeyspace(StorageConfig.defaults().withDatabases(2).withPolicy(policy), clock)) {
      long empty = ks.usedMemory();
      byte[] value = new byte[100];
      List<String> survivors = new ArrayList<>();
      for (int i = 0; i < KEYS; i++) {
        String key = "key:" + i;
        byte[] k = b(key);
        boolean survives = i % SURVIVOR_EVERY == 0;
        // Survivors keep a later TTL half the time, so volatile policies track some of them.
        long ttl = survives ? (i % 2 == 0 ? Keyspace.NO_EXPIRY : clock.currentTimeMillis() + 3_600_000)
            : clock.currentTimeMillis() + 1_000;
        ks.setString(i % 2, k, 0, k.length, value, 0, value.length, ttl, false);
        if (survives) {
          survivors.add(key);
        }
      }
      // A hashtable-encoded hash among the survivors, with the highest node id.
      byte[] big = b("big-hash");
      for (int f = 0; f < 200; f++) {
        byte[] field = b("field" + f);
        ks.hashSet(0, big, 0, big.length, field, 0, field.length, field, 0, field.length);
      }
      // A known access order and LFU counts to compare after compaction.
      Collections.shuffle(survivors, new Random(7));
      Map<String, Integer> frequency = new HashMap<>();
      for (String key : survivors) {
        byte[] k = b(key);
        long ref = ks.lookup(db(key), k, 0, k.length, 0);
        frequency.put(key, ks.lfuFrequency(ref));
      }
      long full = ks.usedMemory();
      int capacityBefore = ks.nodeCapacity();

      clock.advanceMillis(2_000);
      boolean sawCompaction = false;
      while (ks.activeExpireCycle(1_000) > 0 || ks.compacting()) {
        if (ks.compacting()) {
          sawCompaction = true;
          ks.checkInvariants();
        }
      }
      ks.checkInvariants();
      assertThat(sawCompaction).as("compaction ran in steps across cycles").isTrue();
      int live = survivors.size() + 1;
      assertThat(ks.size(0) + ks.size(1)).isEqualTo(live);
      // Compacted while expiring, down to the size below which it is not worth compacting.
      assertThat(ks.nodeCapacity()).as("node table compacted from " + capacityBefore)
          .isLessThan(OffHeapKeyspace.MIN_COMPACT_NODE_CAPACITY);
      long survivorBytes = 0;
      for (String key : survivors) {
        byte[] k = b(key);
        long ref = ks.lookup(db(key), k, 0, k.length, Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS);
        assertThat(ref).as(key).isNotEqualTo(Keyspace.NONE);
        assertThat(ks.stringBytes(ref)).isEqualTo(value);
        assertThat(ks.lfuFrequency(ref)).as("LFU count of " + key).isEqualTo(frequency.get(key));
        survivorBytes += ks.memoryUsage(ref);
      }
      long bigRef = ks.lookup(0, big, 0, big.length, Keyspace.LOOKUP_NOTOUCH);
      assertThat(ks.hashLength(bigRef)).isEqualTo(200);
      assertThat(ks.encoding(bigRef)).isEqualTo("hashtable");
      survivorBytes += ks.memoryUsage(bigRef);
      // What is left: the survivors, their index, and the per-id arrays (at most 32 bytes an id:
      // address 8, policy up to 17, expiry position 4) of a table too small to compact. The
      // W-TinyLFU frequency sketch (8 to 16 bytes per entry it has seen) keeps its size: it is
      // the policy's history, and clearing it would forget which keys were hot.
      long sketch = policy == EvictionPolicy.ALLKEYS_WTINYLFU ? 16L * KEYS : 0;
      assertThat(ks.usedMemory()).as("used after expiry (full was %d)", full)
          .isLessThan(empty + 2 * survivorBytes + 32L * OffHeapKeyspace.MIN_COMPACT_NODE_CAPACITY + sketch)
          .isLessThan(full / 8 + sketch);

      if (policy == EvictionPolicy.ALLKEYS_LRU) {
        // Evicting everything goes in exactly the access order set before the compaction.
        List<String> evicted = new ArrayList<>();
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
        ks.setMaxMemory(1);
        ks.evictIfNeeded();
        List<String> expected = new ArrayList<>();
        expected.add("big-hash");
        expected.addAll(survivors);
        assertThat(evicted).isEqualTo(expected);
        ks.checkInvariants();
      }
    }
  }

  private static int db(String key) {
    return Integer.parseInt(key.substring(4)) % 2;
  }

  @Test
  void compactionHasHysteresisAndNewKeysReuseLowIds() {
    int keys = 600_000;
    try (OffHeapKeyspace ks = new OffHeapKeyspace(StorageConfig.defaults().withPolicy(EvictionPolicy.ALLKEYS_LFU), clock)) {
      for (int i = 0; i < keys; i++) {
        byte[] k = b("k" + i);
        ks.setString(0, k, 0, k.length, k, 0, k.length, Keyspace.NO_EXPIRY, false);
      }
      for (int i = 0; i < keys; i++) {
        if (i % 8 != 0) {
          byte[] k = b("k" + i);
          ks.delete(0, k, 0, k.length);
        }
      }
      assertThat(ks.nodeCapacity()).as("deletes alone do not compact").isGreaterThanOrEqualTo(keys);
      ks.activeExpireCycle(1_000);
      assertThat(ks.compacting()).as("one cycle renames at most 1000 nodes").isTrue();
      while (ks.compacting()) {
        ks.activeExpireCycle(1_000);
      }
      int compacted = ks.nodeCapacity();
      assertThat(compacted).isLessThanOrEqualTo(2 * keys / 8 + 4096).isGreaterThan(OffHeapKeyspace.MIN_COMPACT_NODE_CAPACITY);
      ks.checkInvariants();
      // Churn: inserts reuse the freed low ids, so the table does not grow back.
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < keys / 16; i++) {
          byte[] k = b("churn" + i);
          ks.setString(0, k, 0, k.length, k, 0, k.length, Keyspace.NO_EXPIRY, false);
        }
        assertThat(ks.nodeCapacity()).isEqualTo(compacted);
        for (int i = 0; i < keys / 16; i++) {
          byte[] k = b("churn" + i);
          ks.delete(0, k, 0, k.length);
        }
        assertThat(ks.compactNodesIfSparse()).isFalse();
        ks.checkInvariants();
      }
      // Half full after compacting: it takes deleting down to a quarter to compact again.
      int i = 0;
      while (ks.size(0) > compacted / 4) {
        byte[] k = b("k" + i);
        ks.delete(0, k, 0, k.length);
        i += 8;
      }
      assertThat(ks.compactNodesIfSparse()).as("at exactly a quarter").isFalse();
      byte[] k = b("k" + i);
      ks.delete(0, k, 0, k.length);
      assertThat(ks.compactNodesIfSparse()).as("below a quarter").isTrue();
      ks.checkInvariants();
      for (i += 8; i < keys; i += 8) {
        byte[] key = b("k" + i);
        assertThat(ks.lookup(0, key, 0, key.length, 0)).isNotEqualTo(Keyspace.NONE);
      }
    }
  }

  @Test
  void aCompactionIsAbandonedWhenInsertsUseUpTheFreeIdsBelowItsTarget() {
    int keys = 300_000;
    try (OffHeapKeyspace ks = new OffHeapKeyspace(StorageConfig.defaults().withPolicy(EvictionPolicy.ALLKEYS_LRU), clock)) {
      for (int i = 0; i < keys; i++) {
        byte[] k = b("k" + i);
        ks.setString(0, k, 0, k.length, k, 0, k.length, Keyspace.NO_EXPIRY, false);
      }
      for (int i = 0; i < keys; i++) {
        if (i % 10 != 0) {
          byte[] k = b("k" + i);
          ks.delete(0, k, 0, k.length);
        }
      }
      int capacity = ks.nodeCapacity();
      ks.activeExpireCycle(1);
      assertThat(ks.compacting()).isTrue();
      ks.checkInvariants();
      // Target is ~2 x 30,000 ids: 60,000 new keys use up every free id below it.
      for (int i = 0; i < 60_000; i++) {
        byte[] k = b("new" + i);
        ks.setString(0, k, 0, k.length, k, 0, k.length, Keyspace.NO_EXPIRY, false);
      }
      assertThat(ks.compacting()).as("abandoned").isFalse();
      assertThat(ks.nodeCapacity()).isEqualTo(capacity);
      ks.checkInvariants();
      for (int i = 0; i < keys; i += 10) {
        byte[] k = b("k" + i);
        assertThat(ks.stringBytes(ks.lookup(0, k, 0, k.length, 0))).isEqualTo(k);
      }
      for (int i = 0; i < 60_000; i++) {
        byte[] k = b("new" + i);
        assertThat(ks.stringBytes(ks.lookup(0, k, 0, k.length, 0))).isEqualTo(k);
      }
      assertThat(ks.size(0)).isEqualTo(keys / 10 + 60_000);
    }
  }

  @Test
  void aHotSlotShrinksAndItsEmptyTableIsReleased() {
    try (OffHeapKeyspace ks = new OffHeapKeyspace(StorageConfig.defaults(), clock)) {
      byte[] warm = b("warm");
      ks.setString(0, warm, 0, warm.length, warm, 0, warm.length, Keyspace.NO_EXPIRY, false);
      ks.delete(0, warm, 0, warm.length);
      long empty = ks.usedMemory();
      for (int i = 0; i < 100_000; i++) {
        byte[] k = b("{hot}" + i);
        ks.setString(0, k, 0, k.length, k, 0, k.length, Keyspace.NO_EXPIRY, false);
      }
      long full = ks.usedMemory();
      for (int i = 0; i < 99_990; i++) {
        byte[] k = b("{hot}" + i);
        ks.delete(0, k, 0, k.length);
      }
      settle(ks);
      assertThat(ks.usedMemory()).isLessThan(empty + (full - empty) / 100);
      for (int i = 99_990; i < 100_000; i++) {
        byte[] k = b("{hot}" + i);
        ks.delete(0, k, 0, k.length);
      }
      settle(ks);
      assertThat(ks.countKeysInSlot(io.corvid.common.SlotHash.slot(b("hot")))).isZero();
      assertThat(ks.usedMemory()).as("an empty keyspace costs what it did before the fill").isEqualTo(empty);
    }
  }

  /** Runs the background work (compaction, incremental resizes) to its end. */
  private static void settle(OffHeapKeyspace ks) {
    for (int i = 0; i < 10_000 && (ks.compacting() || ks.tablesRehashing() > 0); i++) {
      ks.activeExpireCycle(1_000);
    }
    ks.activeExpireCycle(1_000);
    assertThat(ks.compacting()).isFalse();
    assertThat(ks.tablesRehashing()).isZero();
    ks.checkInvariants();
  }

  /**
   * Writes, deletes, renames and expiries interleaved with compaction steps of a few nodes, so
   * compactions run, finish and are abandoned (inserts use up the free ids below the target) in
   * the middle of everything; a model map says what must be there after each phase.
   */
  @ParameterizedTest
  @EnumSource(value = EvictionPolicy.class, names = {"VOLATILE_LFU", "ALLKEYS_WTINYLFU"})
  void compactionInterleavedWithEveryKindOfWriteMatchesAModel(EvictionPolicy policy) {
    Random random = new Random(policy.ordinal());
    Map<String, String> model = new HashMap<>();
    Map<String, Long> expiries = new HashMap<>();
    int started = 0;
    int abandonedOrFinished = 0;
    List<String> pool = new ArrayList<>();
    for (int i = 0; i < 150_000; i++) {
      pool.add("k" + i);
    }
    Collections.shuffle(pool, random);
    int poolAt = 0;
    try (OffHeapKeyspace ks = new OffHeapKeyspace(StorageConfig.defaults().withPolicy(policy), clock)) {
      for (int phase = 0; phase < 6; phase++) {
        boolean grow = phase % 3 == 0;
        int ops = grow ? 150_000 : 100_000;
        for (int op = 0; op < ops; op++) {
          int what = random.nextInt(10);
          // Shrinking phases delete along a permutation of the key space, so most keys go.
          String key = !grow && what >= 1 && what < 8 ? pool.get(poolAt++ % pool.size()) : "k" + random.nextInt(150_000);
          byte[] k = b(key);
          if (grow || what < 1) {
            String v = key + ":" + phase;
            byte[] vb = b(v);
            boolean ttl = random.nextInt(3) == 0;
            long at = ttl ? clock.currentTimeMillis() + 1 + random.nextInt(5_000) : Keyspace.NO_EXPIRY;
            ks.setString(0, k, 0, k.length, vb, 0, vb.length, at, false);
            model.put(key, v);
            if (ttl) {
              expiries.put(key, at);
            } else {
              expiries.remove(key);
            }
          } else if (what < 8) {
            ks.delete(0, k, 0, k.length);
            model.remove(key);
            expiries.remove(key);
          } else if (what < 9) {
            String dst = "r" + random.nextInt(1000);
            byte[] d = b(dst);
            if (ks.rename(0, k, 0, k.length, d, 0, d.length)) {
              model.put(dst, model.remove(key));
              Long at = expiries.remove(key);
              if (at == null) {
                expiries.remove(dst);
              } else {
                expiries.put(dst, at);
              }
            }
          } else {
            boolean was = ks.compacting();
            ks.activeExpireCycle(1 + random.nextInt(200));
            started += !was && ks.compacting() ? 1 : 0;
            abandonedOrFinished += was && !ks.compacting() ? 1 : 0;
          }
          if (random.nextInt(5_000) == 0) {
            clock.advanceMillis(random.nextInt(3_000));
            long now = clock.currentTimeMillis();
            expiries.entrySet().removeIf(e -> {
              if (e.getValue() <= now) {
                model.remove(e.getKey());
                return true;
              }
              return false;
            });
          }
        }
        ks.checkInvariants();
        long now = clock.currentTimeMillis();
        for (Map.Entry<String, String> e : model.entrySet()) {
          byte[] k = b(e.getKey());
          long ref = ks.lookup(0, k, 0, k.length, Keyspace.LOOKUP_NOTOUCH);
          assertThat(ref).as("phase %d key %s", phase, e.getKey()).isNotEqualTo(Keyspace.NONE);
          assertThat(new String(ks.stringBytes(ref), UTF_8)).isEqualTo(e.getValue());
          Long at = expiries.get(e.getKey());
          assertThat(ks.expireAt(ref)).isEqualTo(at == null ? Keyspace.NO_EXPIRY : at);
          assertThat(at == null || at > now).isTrue();
        }
        // DBSIZE may count expired keys not yet reclaimed: reclaim them (one expiry at a time, so
        // a compaction in progress stays in progress) before comparing.
        while (ks.activeExpireCycle(1) > 0) {
          continue;
        }
        ks.checkInvariants();
        assertThat(ks.size(0)).as("phase " + phase).isEqualTo(model.size());
      }
    }
    assertThat(started).as("compactions started").isGreaterThan(0);
    assertThat(abandonedOrFinished).as("compactions ended").isGreaterThan(0);
  }
}
