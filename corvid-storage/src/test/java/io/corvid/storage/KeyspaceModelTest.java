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
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Differential test: random operation sequences against the keyspace and against a plain
 * HashMap model (no eviction), comparing every result. The seed is in the test name and in every
 * failure message; rerun one seed by adding it to the ValueSource.
 */
class KeyspaceModelTest {
  private static final int DATABASES = 3;
  private static final int OPERATIONS = 6_000;

  /** What the model keeps per key. */
  private record ModelValue(byte[] string, TreeMap<String, String> hash, long expireAt) {
    boolean isHash() {
      return hash != null;
    }
  }

  private final FakeClock clock = new FakeClock();
  private final List<Map<String, ModelValue>> model = new ArrayList<>();

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 42, 1234567, 20261126})
  void randomOperationsMatchTheModel(long seed) {
    for (String policy : new String[] {"noeviction", "allkeys-lru", "allkeys-wtinylfu", "volatile-lfu"}) {
      runSeed(seed, EvictionPolicy.fromConfigName(policy));
    }
  }

  private void runSeed(long seed, EvictionPolicy policy) {
    model.clear();
    for (int i = 0; i < DATABASES; i++) {
      model.add(new HashMap<>());
    }
    Random random = new Random(seed);
    StorageConfig config = StorageConfig.defaults().withDatabases(DATABASES).withPolicy(policy);
    config = new StorageConfig(DATABASES, 0, policy, 10, 1, 8, 16); // small listpack limits: conversions happen
    try (OffHeapKeyspace ks = new OffHeapKeyspace(config, clock)) {
      if (seed % 2 == 1) {
        // The {tag} slot's table (up to ~75 keys) then resizes incrementally.
        ks.setIncrementalRehashMinBuckets(4);
      }
      int keySpaceSize = 1 + random.nextInt(300);
      for (int op = 0; op < OPERATIONS; op++) {
        String where = "seed " + seed + " policy " + policy.configName() + " op " + op;
        step(ks, random, keySpaceSize, where);
        if (op % 500 == 0) {
          ks.checkInvariants();
          compareAll(ks, where);
        }
      }
      ks.checkInvariants();
      compareAll(ks, "seed " + seed + " end");
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private String randomKey(Random random, int n) {
    int k = random.nextInt(n);
    // Some keys share a slot through a hash tag, some are long (> 8 bytes, not a multiple of 8).
    return switch (k % 4) {
      case 0 -> "{tag}k" + k;
      case 1 -> "key:" + k + ":with-a-longer-suffix";
      default -> "k" + k;
    };
  }

  private byte[] randomValue(Random random) {
    int kind = random.nextInt(4);
    if (kind == 0) {
      return b(Long.toString(random.nextLong() % 100000));
    }
    byte[] v = new byte[kind == 1 ? random.nextInt(4) : random.nextInt(kind == 2 ? 60 : 300)];
    random.nextBytes(v);
    return v;
  }

  private boolean expired(ModelValue v) {
    return v.expireAt != Keyspace.NO_EXPIRY && v.expireAt <= clock.currentTimeMillis();
  }

  private ModelValue live(int db, String key) {
    ModelValue v = model.get(db).get(key);
    if (v != null && v.expireAt != Keyspace.NO_EXPIRY && v.expireAt <= clock.currentTimeMillis()) {
      model.get(db).remove(key);
      return null;
    }
    return v;
  }

  private void step(OffHeapKeyspace ks, Random random, int n, String where) {
    int db = random.nextInt(DATABASES);
    String key = randomKey(random, n);
    byte[] k = b(key);
    int op = random.nextInt(100);
    long now = clock.currentTimeMillis();
    if (op < 25) {
      byte[] value = randomValue(random);
      long expire = random.nextInt(4) == 0 ? now + 1 + random.nextInt(5000) : Keyspace.NO_EXPIRY;
      boolean keepTtl = random.nextInt(8) == 0;
      // Pad the key inside a bigger array: slices must be honoured.
      byte[] padded = new byte[k.length + 6];
      System.arraycopy(k, 0, padded, 3, k.length);
      byte[] paddedValue = new byte[value.length + 2];
      System.arraycopy(value, 0, paddedValue, 1, value.length);
      long ref = ks.setString(db, padded, 3, k.length, paddedValue, 1, value.length, expire, keepTtl);
      ModelValue old = live(db, key);
      long modelExpire = keepTtl ? (old == null ? Keyspace.NO_EXPIRY : old.expireAt) : expire;
      model.get(db).put(key, new ModelValue(value, null, modelExpire));
      assertThat(ks.stringBytes(ref)).as(where).isEqualTo(value);
    } else if (op < 45) {
      long ref = ks.lookup(db, k, 0, k.length, 0);
      ModelValue v = live(db, key);
      assertThat(ref != Keyspace.NONE).as(where + " exists " + key).isEqualTo(v != null);
      if (v != null) {
        checkValue(ks, ref, v, where + " key " + key);
      }
    } else if (op < 55) {
      String field = "f" + random.nextInt(random.nextBoolean() ? 6 : 20);
      byte[] value = randomValue(random);
      ModelValue v = live(db, key);
      if (v != null && !v.isHash()) {
        return; // the server checks the type first (WRONGTYPE)
      }
      boolean added = ks.hashSet(db, k, 0, k.length, b(field), 0, field.length(), value, 0, value.length);
      TreeMap<String, String> h = v == null ? new TreeMap<>() : v.hash;
      String old = h.put(field, new String(value, java.nio.charset.StandardCharsets.ISO_8859_1));
      assertThat(added).as(where).isEqualTo(old == null);
      model.get(db).put(key, new ModelValue(null, h, v == null ? Keyspace.NO_EXPIRY : v.expireAt));
    } else if (op < 62) {
      String field = "f" + random.nextInt(20);
      ModelValue v = live(db, key);
      if (v != null && !v.isHash()) {
        return;
      }
      boolean removed = ks.hashDelete(db, k, 0, k.length, b(field), 0, field.length());
      boolean expected = v != null && v.hash.remove(field) != null;
      assertThat(removed).as(where).isEqualTo(expected);
      if (v != null && v.hash.isEmpty()) {
        model.get(db).remove(key);
      }
    } else if (op < 70) {
      boolean removed = ks.delete(db, k, 0, k.length);
      assertThat(removed).as(where).isEqualTo(live(db, key) != null);
      model.get(db).remove(key);
    } else if (op < 78) {
      long expire = random.nextBoolean() ? Keyspace.NO_EXPIRY : now + random.nextInt(3000);
      boolean done = ks.setExpire(db, k, 0, k.length, expire);
      ModelValue v = live(db, key);
      assertThat(done).as(where).isEqualTo(v != null);
      if (v != null) {
        model.get(db).put(key, new ModelValue(v.string, v.hash, expire));
        if (expire != Keyspace.NO_EXPIRY && expire <= now) {
          // Already past: the next access removes it; the model's live() does the same.
        }
      }
    } else if (op < 82) {
      String dst = randomKey(random, n);
      boolean done = ks.rename(db, k, 0, k.length, b(dst), 0, dst.length());
      ModelValue v = live(db, key);
      assertThat(done).as(where).isEqualTo(v != null);
      if (v != null && !dst.equals(key)) {
        live(db, dst);
        model.get(db).remove(key);
        model.get(db).put(dst, copyOf(v));
      }
    } else if (op < 85) {
      String dst = randomKey(random, n);
      int dstDb = random.nextInt(DATABASES);
      boolean replace = random.nextBoolean();
      boolean done = ks.copy(db, k, 0, k.length, dstDb, b(dst), 0, dst.length(), replace);
      ModelValue v = live(db, key);
      ModelValue d = live(dstDb, dst);
      boolean expected = v != null && !(db == dstDb && dst.equals(key)) && (d == null || replace);
      assertThat(done).as(where).isEqualTo(expected);
      if (expected) {
        model.get(dstDb).put(dst, copyOf(v));
      }
    } else if (op < 88) {
      int dstDb = random.nextInt(DATABASES);
      boolean done = ks.move(db, k, 0, k.length, dstDb);
      ModelValue v = live(db, key);
      boolean expected = v != null && dstDb != db && live(dstDb, key) == null;
      assertThat(done).as(where).isEqualTo(expected);
      if (expected) {
        model.get(db).remove(key);
        model.get(dstDb).put(key, v);
      }
    } else if (op < 95) {
      clock.advanceMillis(random.nextInt(300));
      if (random.nextBoolean()) {
        ks.activeExpireCycle(1 + random.nextInt(20));
      }
    } else if (op < 97) {
      long ref = ks.randomKey(db);
      if (ref != Keyspace.NONE) {
        String rk = new String(ks.keyBytes(ref), UTF_8);
        assertThat(live(db, rk)).as(where + " random key " + rk).isNotNull();
      } else {
        model.get(db).values().removeIf(this::expired);
        assertThat(model.get(db)).as(where).isEmpty();
      }
    } else if (op < 98) {
      if (random.nextInt(10) == 0) {
        ks.flush(db);
        model.get(db).clear();
      }
    } else {
      compareScan(ks, db, random, where);
    }
  }

  private static ModelValue copyOf(ModelValue v) {
    return new ModelValue(v.string, v.hash == null ? null : new TreeMap<>(v.hash), v.expireAt);
  }

  private void checkValue(OffHeapKeyspace ks, long ref, ModelValue v, String where) {
    assertThat(ks.expireAt(ref)).as(where + " ttl").isEqualTo(v.expireAt);
    if (v.isHash()) {
      assertThat(ks.type(ref)).as(where).isEqualTo(ValueType.HASH);
      TreeMap<String, String> actual = new TreeMap<>();
      ks.hashForEach(ref, (f, fo, fl, val, vo, vl) ->
          actual.put(new String(f, fo, fl, UTF_8), new String(val, vo, vl, java.nio.charset.StandardCharsets.ISO_8859_1)));
      assertThat(actual).as(where).isEqualTo(v.hash);
      assertThat(ks.hashLength(ref)).as(where).isEqualTo(v.hash.size());
      for (Map.Entry<String, String> e : v.hash.entrySet()) {
        byte[] got = ks.hashGet(ref, b(e.getKey()), 0, e.getKey().length());
        assertThat(new String(got, java.nio.charset.StandardCharsets.ISO_8859_1)).as(where).isEqualTo(e.getValue());
      }
      assertThat(ks.hashGet(ref, b("absent"), 0, 6)).isNull();
      assertThat(ks.encoding(ref)).as(where).isIn("listpack", "hashtable");
    } else {
      assertThat(ks.type(ref)).as(where).isEqualTo(ValueType.STRING);
      assertThat(ks.stringLength(ref)).as(where).isEqualTo(v.string.length);
      assertThat(ks.stringBytes(ref)).as(where).isEqualTo(v.string);
    }
  }

  private void compareAll(OffHeapKeyspace ks, String where) {
    for (int db = 0; db < DATABASES; db++) {
      model.get(db).values().removeIf(this::expired);
      for (Map.Entry<String, ModelValue> e : model.get(db).entrySet()) {
        byte[] k = b(e.getKey());
        long ref = ks.lookup(db, k, 0, k.length, Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS);
        assertThat(ref).as(where + " db " + db + " key " + e.getKey()).isNotEqualTo(Keyspace.NONE);
        checkValue(ks, ref, e.getValue(), where + " db " + db + " key " + e.getKey());
      }
      // The keyspace may still hold expired keys not yet reclaimed; it never holds extra live ones.
      ks.activeExpireCycle(Integer.MAX_VALUE);
      assertThat(ks.size(db)).as(where + " size of db " + db).isEqualTo(model.get(db).size());
    }
  }

  private void compareScan(OffHeapKeyspace ks, int db, Random random, String where) {
    Set<String> seen = new HashSet<>();
    long cursor = 0;
    do {
      cursor = ks.scan(db, cursor, 1 + random.nextInt(30), (key, off, len, type) -> seen.add(new String(key, off, len, UTF_8)));
    } while (cursor != 0);
    Set<String> expected = new HashSet<>(model.get(db).keySet());
    expected.removeIf(k -> expired(model.get(db).get(k)));
    assertThat(seen).as(where + " scan").isEqualTo(expected);
  }

  @Test
  void integerEncodingFollowsRedisString2ll() {
    assertThat(OffHeapKeyspace.isCanonicalInteger(b("0"), 0, 1)).isTrue();
    assertThat(OffHeapKeyspace.isCanonicalInteger(b("-12"), 0, 3)).isTrue();
    assertThat(OffHeapKeyspace.isCanonicalInteger(b("9223372036854775807"), 0, 19)).isTrue();
    assertThat(OffHeapKeyspace.isCanonicalInteger(b("-9223372036854775808"), 0, 20)).isTrue();
    assertThat(OffHeapKeyspace.isCanonicalInteger(b("9223372036854775808"), 0, 19)).isFalse();
    assertThat(OffHeapKeyspace.isCanonicalInteger(b("012"), 0, 3)).isFalse();
    assertThat(OffHeapKeyspace.isCanonicalInteger(b("-0"), 0, 2)).isFalse();
    assertThat(OffHeapKeyspace.isCanonicalInteger(b("-"), 0, 1)).isFalse();
    assertThat(OffHeapKeyspace.isCanonicalInteger(b("1a"), 0, 2)).isFalse();
    assertThat(OffHeapKeyspace.isCanonicalInteger(b(" 1"), 0, 2)).isFalse();
  }
}
