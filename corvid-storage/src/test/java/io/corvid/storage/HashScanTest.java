package io.corvid.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.FakeClock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** HSCAN's cursor over a hashtable-encoded hash: SCAN's guarantee across resizes, COUNT as a hint. */
class HashScanTest {
  private final FakeClock clock = new FakeClock();
  private final OffHeapKeyspace ks = new OffHeapKeyspace(StorageConfig.defaults().withDatabases(1), clock);
  private final byte[] key = b("h");

  @org.junit.jupiter.api.AfterEach
  void close() {
    ks.close();
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private void hset(String field, String value) {
    byte[] f = b(field);
    byte[] v = b(value);
    ks.hashSet(0, key, 0, key.length, f, 0, f.length, v, 0, v.length);
  }

  private void hdel(String field) {
    byte[] f = b(field);
    ks.hashDelete(0, key, 0, key.length, f, 0, f.length);
  }

  private long ref() {
    return ks.lookup(0, key, 0, key.length, Keyspace.LOOKUP_NOTOUCH);
  }

  @Test
  void everyStableFieldIsReturnedWhileTheHashGrowsAndShrinksBetweenCalls() {
    for (long seed = 1; seed <= 5; seed++) {
      ks.flushAll();
      Random random = new Random(seed);
      Map<String, String> stable = new HashMap<>();
      for (int i = 0; i < 3_000; i++) {
        hset("f" + i, "v" + i);
        stable.put("f" + i, "v" + i);
      }
      assertThat(ks.encoding(ref())).isEqualTo("hashtable");
      List<String> churn = new ArrayList<>();
      Map<String, String> seen = new HashMap<>();
      long cursor = 0;
      int calls = 0;
      do {
        int count = 1 + random.nextInt(40);
        int[] got = {0};
        cursor = ks.hashScan(ref(), cursor, count, (f, fo, fl, v, vo, vl) -> {
          seen.put(new String(f, fo, fl, UTF_8), new String(v, vo, vl, UTF_8));
          got[0]++;
        });
        calls++;
        if (random.nextBoolean()) {
          for (int i = 0; i < 2_000; i++) { // grows the table 2 or 4 times
            String f = "churn" + calls + ":" + i;
            hset(f, "x");
            churn.add(f);
          }
        } else {
          while (!churn.isEmpty()) { // shrinks it back
            hdel(churn.remove(churn.size() - 1));
          }
        }
      } while (cursor != 0);
      for (Map.Entry<String, String> e : stable.entrySet()) {
        assertThat(seen).as("seed " + seed).containsEntry(e.getKey(), e.getValue());
      }
      assertThat(calls).isGreaterThan(30);
      ks.checkInvariants();
    }
  }

  @Test
  void anUnchangedHashIsReturnedOnceWithCountAsAHint() {
    for (int i = 0; i < 1_000; i++) {
      hset("f" + i, "v");
    }
    List<String> seen = new ArrayList<>();
    long cursor = 0;
    int calls = 0;
    do {
      int before = seen.size();
      cursor = ks.hashScan(ref(), cursor, 10, (f, fo, fl, v, vo, vl) -> seen.add(new String(f, fo, fl, UTF_8)));
      assertThat(seen.size() - before).isLessThan(30);
      calls++;
    } while (cursor != 0);
    assertThat(seen).hasSize(1_000).doesNotHaveDuplicates();
    assertThat(calls).isBetween(50, 200);
  }

  @Test
  void aListpackHashComesWholeWithCursorZero() {
    for (int i = 0; i < 100; i++) {
      hset("f" + i, "v");
    }
    assertThat(ks.encoding(ref())).isEqualTo("listpack");
    Set<String> seen = new HashSet<>();
    assertThat(ks.hashScan(ref(), 0, 1, (f, fo, fl, v, vo, vl) -> seen.add(new String(f, fo, fl, UTF_8)))).isZero();
    assertThat(seen).hasSize(100);
  }
}
