package io.corvid.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.FakeClock;
import io.corvid.common.SlotHash;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** SCAN's guarantee: a key present for the whole scan is returned at least once, whatever resizes happen. */
class ScanTest {
  private final FakeClock clock = new FakeClock();

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private static void set(Keyspace ks, String key) {
    byte[] k = b(key);
    ks.setString(0, k, 0, k.length, k, 0, k.length, Keyspace.NO_EXPIRY, false);
  }

  @Test
  void everyStableKeyIsReturnedWhileTablesGrowAndShrinkBetweenCalls() {
    everyStableKeyIsReturned(OffHeapKeyspace.DEFAULT_INCREMENTAL_REHASH_MIN_BUCKETS);
  }

  @Test
  void everyStableKeyIsReturnedWhileTablesResizeIncrementallyBetweenCalls() {
    everyStableKeyIsReturned(4);
  }

  private void everyStableKeyIsReturned(int incrementalRehashMinBuckets) {
    int scansDuringRehash = 0;
    for (long seed = 1; seed <= 5; seed++) {
      Random random = new Random(seed);
      try (OffHeapKeyspace ks = new OffHeapKeyspace(StorageConfig.defaults().withDatabases(1), clock)) {
        ks.setIncrementalRehashMinBuckets(incrementalRehashMinBuckets);
        // Most keys share one slot (hash tag) so that one table resizes many times.
        Set<String> stable = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
          String key = (i % 4 == 0 ? "k" : "{hot}k") + i;
          set(ks, key);
          stable.add(key);
        }
        List<String> churn = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int calls = 0;
        do {
          scansDuringRehash += ks.tablesRehashing() > 0 ? 1 : 0;
          cursor = ks.scan(0, cursor, 1 + random.nextInt(50), (key, off, len, type) -> seen.add(new String(key, off, len, UTF_8)));
          calls++;
          if (random.nextInt(4) == 0) {
            ks.activeExpireCycle(1 + random.nextInt(20)); // background rehash steps
          }
          // Between calls: grow by many keys in the hot slot, or delete churn keys so it shrinks.
          if (random.nextBoolean()) {
            for (int i = 0; i < 500; i++) {
              String key = "{hot}churn" + seed + ":" + calls + ":" + i;
              set(ks, key);
              churn.add(key);
            }
          } else {
            while (!churn.isEmpty()) {
              String key = churn.remove(churn.size() - 1);
              ks.delete(0, b(key), 0, key.length());
            }
          }
        } while (cursor != 0);
        assertThat(seen).as("seed " + seed).containsAll(stable);
        assertThat(calls).isGreaterThan(10);
        ks.checkInvariants();
      }
    }
    assertThat(scansDuringRehash).as("scan calls made while a table was half rehashed").isGreaterThan(20);
  }

  @Test
  void aScanOfAnUnchangedKeyspaceReturnsEachKeyExactlyOnce() {
    try (Keyspace ks = Keyspace.create(StorageConfig.defaults(), clock)) {
      for (int i = 0; i < 5_000; i++) {
        set(ks, "key:" + i);
      }
      List<String> seen = new ArrayList<>();
      long cursor = 0;
      do {
        cursor = ks.scan(0, cursor, 100, (key, off, len, type) -> seen.add(new String(key, off, len, UTF_8)));
      } while (cursor != 0);
      assertThat(seen).hasSize(5_000).doesNotHaveDuplicates();
    }
  }

  @Test
  void scanSkipsExpiredKeysAndOtherDatabases() {
    try (Keyspace ks = Keyspace.create(StorageConfig.defaults(), clock)) {
      byte[] k = b("gone");
      ks.setString(0, k, 0, k.length, k, 0, k.length, clock.currentTimeMillis() + 10, false);
      set(ks, "stays");
      byte[] other = b("other-db");
      ks.setString(1, other, 0, other.length, other, 0, other.length, Keyspace.NO_EXPIRY, false);
      clock.advanceMillis(10);
      Set<String> seen = new HashSet<>();
      long cursor = 0;
      do {
        cursor = ks.scan(0, cursor, 10, (key, off, len, type) -> seen.add(new String(key, off, len, UTF_8)));
      } while (cursor != 0);
      assertThat(seen).containsExactly("stays");
    }
  }

  @Test
  void slotsAreCountedListedAndKeptApart() {
    try (Keyspace ks = Keyspace.create(StorageConfig.defaults(), clock)) {
      for (int i = 0; i < 100; i++) {
        set(ks, "{user1000}.f" + i);
      }
      set(ks, "elsewhere");
      int slot = SlotHash.slot(b("user1000"));
      assertThat(ks.countKeysInSlot(slot)).isEqualTo(100);
      Set<String> listed = new HashSet<>();
      assertThat(ks.keysInSlot(slot, 1_000, (key, off, len, type) -> listed.add(new String(key, off, len, UTF_8)))).isEqualTo(100);
      assertThat(listed).hasSize(100).allMatch(k -> k.startsWith("{user1000}"));
      assertThat(ks.keysInSlot(slot, 7, (key, off, len, type) -> {})).isEqualTo(7);
      assertThat(ks.countKeysInSlot(SlotHash.slot(b("elsewhere")))).isEqualTo(1);
      byte[] db1 = b("{user1000}.db1");
      ks.setString(1, db1, 0, db1.length, db1, 0, db1.length, Keyspace.NO_EXPIRY, false);
      assertThat(ks.countKeysInSlot(slot)).as("slot counts are of database 0").isEqualTo(100);
    }
  }
}
