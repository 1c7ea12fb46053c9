package io.corvid.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.common.FakeClock;
import io.corvid.common.SlotHash;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Slot streaming (dumpSlot / restoreSlotChunk / dropSlot) and DUMP / RESTORE payloads: round trips
 * of every type and TTL, SCAN's guarantee while the slot changes between chunks, and corrupted
 * input rejected before anything changes.
 */
class SlotStreamTest {
  private static final String TAG = "{slot}";
  private static final int SLOT = SlotHash.slot(TAG.getBytes(UTF_8), 0, TAG.length());

  private final FakeClock clock = new FakeClock();

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private static OffHeapKeyspace keyspace(FakeClock clock) {
    // Small listpack limits so both hash encodings appear.
    return new OffHeapKeyspace(new StorageConfig(1, 0, EvictionPolicy.ALLKEYS_LFU, 10, 1, 8, 16), clock);
  }

  /** A readable description of a key's content and TTL, for comparisons. */
  private static String describe(Keyspace ks, String key) {
    byte[] k = b(key);
    long ref = ks.lookup(0, k, 0, k.length, Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS);
    if (ref == Keyspace.NONE) {
      return null;
    }
    String ttl = " ttl=" + ks.expireAt(ref);
    if (ks.type(ref) == ValueType.STRING) {
      return "string:" + new String(ks.stringBytes(ref), UTF_8) + ttl;
    }
    Map<String, String> fields = new TreeMap<>();
    ks.hashForEach(ref, (f, fo, fl, v, vo, vl) -> fields.put(new String(f, fo, fl, UTF_8), new String(v, vo, vl, UTF_8)));
    return "hash:" + fields + ttl;
  }

  private void writeRandom(OffHeapKeyspace ks, Random random, String key) {
    byte[] k = b(key);
    ks.delete(0, k, 0, k.length);
    long ttl = random.nextInt(3) == 0 ? clock.currentTimeMillis() + 10_000 + random.nextInt(100_000) : Keyspace.NO_EXPIRY;
    switch (random.nextInt(4)) {
      case 0 -> {
        byte[] v = b(Long.toString(random.nextLong()));
        ks.setString(0, k, 0, k.length, v, 0, v.length, ttl, false);
      }
      case 1 -> {
        byte[] v = new byte[random.nextInt(300)];
        random.nextBytes(v); // binary, with 0x00 and 0xFF bytes
        ks.setString(0, k, 0, k.length, v, 0, v.length, ttl, false);
      }
      default -> {
        int fields = 1 + random.nextInt(random.nextBoolean() ? 5 : 40); // listpack or hashtable
        for (int f = 0; f < fields; f++) {
          byte[] field = b("f" + f);
          byte[] value = b("v" + random.nextInt(1000) + (random.nextInt(10) == 0 ? "-a-value-longer-than-sixteen" : ""));
          ks.hashSet(0, k, 0, k.length, field, 0, field.length, value, 0, value.length);
        }
        if (ttl != Keyspace.NO_EXPIRY) {
          ks.setExpire(0, k, 0, k.length, ttl);
        }
      }
    }
  }

  private static List<byte[]> streamSlot(Keyspace ks, Random random, Runnable betweenChunks) {
    List<byte[]> chunks = new ArrayList<>();
    long cursor = 0;
    do {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      cursor = ks.dumpSlot(SLOT, cursor, 64 + random.nextInt(4096), out);
      chunks.add(out.toByteArray());
      betweenChunks.run();
    } while (cursor != 0);
    return chunks;
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void everyEntryPresentThroughoutArrivesWithItsValueAndTtlWhileTheSlotChanges(long seed) {
    Random random = new Random(seed);
    try (OffHeapKeyspace source = keyspace(clock); OffHeapKeyspace target = keyspace(clock)) {
      if (seed % 2 == 0) {
        source.setIncrementalRehashMinBuckets(4); // chunks cut across incremental resizes
      }
      int keys = 200 + random.nextInt(3_000);
      for (int i = 0; i < keys; i++) {
        writeRandom(source, random, TAG + "stable" + i);
      }
      byte[] other = b("elsewhere");
      source.setString(0, other, 0, other.length, other, 0, other.length, Keyspace.NO_EXPIRY, false);
      Map<String, String> stable = new HashMap<>();
      for (int i = 0; i < keys; i++) {
        stable.put(TAG + "stable" + i, describe(source, TAG + "stable" + i));
      }
      Set<String> churn = new HashSet<>();
      int[] round = {0};
      List<byte[]> chunks = streamSlot(source, random, () -> {
        round[0]++;
        // The slot changes between chunks: new keys (growing the table), deleted ones (shrinking it).
        if (random.nextBoolean()) {
          for (int i = 0; i < random.nextInt(400); i++) {
            String key = TAG + "churn" + round[0] + ":" + i;
            writeRandom(source, random, key);
            churn.add(key);
          }
        } else {
          for (String key : new ArrayList<>(churn)) {
            if (random.nextInt(3) > 0) {
              byte[] k = b(key);
              source.delete(0, k, 0, k.length);
              churn.remove(key);
            }
          }
        }
        if (random.nextInt(4) == 0) {
          source.activeExpireCycle(1 + random.nextInt(50));
        }
      });
      assertThat(chunks.size()).isGreaterThan(1);
      for (byte[] chunk : chunks) {
        target.restoreSlotChunk(chunk, 0, chunk.length, true);
      }
      for (Map.Entry<String, String> e : stable.entrySet()) {
        assertThat(describe(target, e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
      }
      assertThat(describe(target, "elsewhere")).as("other slots are not streamed").isNull();
      target.checkInvariants();
      source.checkInvariants();
    }
  }

  @Test
  void aRestoredChunkKeepsOrReplacesExistingKeysAndSkipsExpiredOnes() {
    try (OffHeapKeyspace source = keyspace(clock); OffHeapKeyspace target = keyspace(clock)) {
      byte[] a = b(TAG + "a");
      byte[] soon = b(TAG + "soon");
      source.setString(0, a, 0, a.length, b("new"), 0, 3, Keyspace.NO_EXPIRY, false);
      source.setString(0, soon, 0, soon.length, b("x"), 0, 1, clock.currentTimeMillis() + 1_000, false);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      assertThat(source.dumpSlot(SLOT, 0, 1 << 20, out)).isZero();
      byte[] chunk = out.toByteArray();
      target.setString(0, a, 0, a.length, b("old"), 0, 3, Keyspace.NO_EXPIRY, false);
      assertThat(target.restoreSlotChunk(chunk, 0, chunk.length, false)).isEqualTo(1);
      assertThat(describe(target, TAG + "a")).isEqualTo("string:old ttl=-1");
      assertThat(describe(target, TAG + "soon")).isEqualTo("string:x ttl=" + (clock.currentTimeMillis() + 1_000));
      assertThat(target.restoreSlotChunk(chunk, 0, chunk.length, true)).isEqualTo(2);
      assertThat(describe(target, TAG + "a")).isEqualTo("string:new ttl=-1");
      target.flushAll();
      clock.advanceMillis(1_000);
      assertThat(target.restoreSlotChunk(chunk, 0, chunk.length, true)).as("expired in transit").isEqualTo(1);
      assertThat(describe(target, TAG + "soon")).isNull();
      target.checkInvariants();
    }
  }

  @Test
  void everyCorruptionIsRejectedBeforeAnythingChanges() {
    Random random = new Random(9);
    try (OffHeapKeyspace source = keyspace(clock); OffHeapKeyspace target = keyspace(clock)) {
      for (int i = 0; i < 50; i++) {
        writeRandom(source, random, TAG + i);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      source.dumpSlot(SLOT, 0, 1 << 20, out);
      byte[] chunk = out.toByteArray();
      for (int i = 0; i < chunk.length; i++) {
        byte[] bad = chunk.clone();
        bad[i] ^= (byte) (1 + random.nextInt(255));
        assertThatThrownBy(() -> target.restoreSlotChunk(bad, 0, bad.length, true))
            .isInstanceOf(EntryFormatException.class)
            .satisfies(e -> assertThat(((EntryFormatException) e).versionOrChecksum()).isTrue());
      }
      for (int len = 0; len < chunk.length; len += 1 + len / 4) {
        int cut = len;
        assertThatThrownBy(() -> target.restoreSlotChunk(chunk, 0, cut, true)).isInstanceOf(EntryFormatException.class);
      }
      assertThat(target.size(0)).isZero();
      // A right checksum over a wrong structure: "bad data format", not a crash.
      for (byte[] body : new byte[][] {{7}, {EntryFormat.TYPE_STRING, 5, 'a'}, {EntryFormat.TYPE_HASH, 1, 1, 'k'},
          {EntryFormat.TYPE_STRING, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F}}) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(EntryFormat.VERSION);
        p.writeBytes(body);
        EntryFormat.finish(p, 0);
        byte[] payload = p.toByteArray();
        byte[] k = b("k");
        assertThatThrownBy(() -> target.restore(0, k, 0, 1, payload, 0, payload.length, Keyspace.NO_EXPIRY, true, -1, -1))
            .isInstanceOf(EntryFormatException.class)
            .satisfies(e -> assertThat(((EntryFormatException) e).versionOrChecksum()).isFalse());
      }
      assertThat(target.size(0)).isZero();
      target.checkInvariants();
    }
  }

  @Test
  void dumpAndRestoreRoundTripEveryTypeWithIdleTimeAndFrequency() {
    Random random = new Random(3);
    try (OffHeapKeyspace ks = keyspace(clock)) {
      for (int i = 0; i < 200; i++) {
        String key = "src" + i;
        writeRandom(ks, random, key);
        byte[] k = b(key);
        long ref = ks.lookup(0, k, 0, k.length, Keyspace.LOOKUP_NOTOUCH);
        byte[] payload = ks.dump(ref);
        byte[] dst = b("dst" + i);
        long ttl = ks.expireAt(ref);
        assertThat(ks.restore(0, dst, 0, dst.length, payload, 0, payload.length, ttl, false, 100, 42)).isTrue();
        assertThat(describe(ks, "dst" + i)).isEqualTo(describe(ks, key));
        long dstRef = ks.lookup(0, dst, 0, dst.length, Keyspace.LOOKUP_NOTOUCH);
        assertThat(ks.idleMillis(dstRef)).isBetween(100_000L, 101_000L);
        assertThat(ks.lfuFrequency(dstRef)).isEqualTo(42);
        assertThat(ks.restore(0, dst, 0, dst.length, payload, 0, payload.length, ttl, false, -1, -1)).as("busy").isFalse();
      }
      byte[] k = b("src0");
      byte[] payload = ks.dump(ks.lookup(0, k, 0, k.length, 0));
      assertThat(ks.restore(0, k, 0, k.length, payload, 0, payload.length, clock.currentTimeMillis(), true, -1, -1)).isTrue();
      assertThat(describe(ks, "src0")).as("restored already expired: nothing, the old key deleted").isNull();
      ks.checkInvariants();
    }
  }

  @Test
  void aSlotIsDroppedInBoundedStepsAndItsMemoryComesBack() {
    try (OffHeapKeyspace ks = keyspace(clock)) {
      byte[] other = b("elsewhere");
      ks.setString(0, other, 0, other.length, other, 0, other.length, Keyspace.NO_EXPIRY, false);
      long before = ks.usedMemory();
      long entriesBefore = ks.entryBytes();
      Random random = new Random(5);
      for (int i = 0; i < 20_000; i++) {
        writeRandom(ks, random, TAG + i);
      }
      List<String> deleted = new ArrayList<>();
      ks.setListener(new KeyspaceListener() {
        @Override
        public void keyChanged(int db, byte[] key, int off, int len, Cause cause) {
          deleted.add(new String(key, off, len, UTF_8));
        }

        @Override
        public void databaseFlushed(int db) {}
      });
      int steps = 0;
      int removed;
      do {
        removed = ks.dropSlot(SLOT, 1_000);
        assertThat(removed).isLessThanOrEqualTo(1_000);
        steps++;
      } while (removed > 0);
      assertThat(steps).isEqualTo(21);
      assertThat(deleted).hasSize(20_000).allMatch(k -> k.startsWith(TAG));
      assertThat(ks.countKeysInSlot(SLOT)).isZero();
      assertThat(describe(ks, "elsewhere")).isNotNull();
      for (int i = 0; i < 100 && (ks.compacting() || ks.tablesRehashing() > 0); i++) {
        ks.activeExpireCycle(1_000);
      }
      ks.checkInvariants();
      assertThat(ks.entryBytes()).as("every entry freed").isEqualTo(entriesBefore);
      // Per-id arrays of a table under MIN_COMPACT_NODE_CAPACITY ids stay (32 bytes an id at most).
      assertThat(ks.usedMemory()).isLessThanOrEqualTo(before + 32L * OffHeapKeyspace.MIN_COMPACT_NODE_CAPACITY);
    }
  }
}
