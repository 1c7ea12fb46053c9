package io.corvid.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.FakeClock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The storage matrix, as Caffeine's cache spec: every test runs for each eviction policy x expiry
 * mix x population, and {@link #checkInvariants()} runs after each one: the keyspace's own
 * recount (memory, sizes per db and slot, policy size == tracked entries), plus no expired key
 * visible to a scan and every visible key matching what was written.
 */
class KeyspaceMatrixTest {

  enum Expiry { NONE, SOME, ALL }

  enum Population {
    EMPTY(0), ONE(1), THOUSANDS(1_500), EVICTION_BOUND(1_500);

    final int keys;

    Population(int keys) {
      this.keys = keys;
    }
  }

  record Spec(EvictionPolicy policy, Expiry expiry, Population population) {
    @Override
    public String toString() {
      return policy.configName() + ", expiry " + expiry + ", " + population;
    }
  }

  static Stream<Spec> specs() {
    List<Spec> all = new ArrayList<>();
    for (EvictionPolicy p : EvictionPolicy.values()) {
      for (Expiry e : Expiry.values()) {
        for (Population pop : Population.values()) {
          all.add(new Spec(p, e, pop));
        }
      }
    }
    return all.stream();
  }

  private static final long TTL_MILLIS = 10_000;

  private final FakeClock clock = new FakeClock();
  private OffHeapKeyspace ks;
  private Spec spec;
  /** What was written and not deleted; eviction may have removed some of it. */
  private final Map<String, byte[]> written = new LinkedHashMap<>();
  private final Set<String> volatileKeys = new HashSet<>();
  private long emptyMemory;

  private void populate(Spec s) {
    spec = s;
    ks = new OffHeapKeyspace(StorageConfig.defaults().withDatabases(2).withPolicy(s.policy()), clock);
    // The first key allocates the first page of the node table, the policy's and the expiry
    // heap's arrays (it has a TTL for that); the budget is counted from there.
    byte[] warm = "warm-up".getBytes(UTF_8);
    ks.setString(0, warm, 0, warm.length, warm, 0, warm.length, clock.currentTimeMillis() + 1, false);
    ks.delete(0, warm, 0, warm.length);
    emptyMemory = ks.usedMemory();
    Random random = new Random(s.hashCode());
    if (s.population() == Population.EVICTION_BOUND) {
      // Room for about a third of the keys: eviction must run (or refuse) during the fill.
      ks.setMaxMemory(emptyMemory + 500L * 200);
    }
    for (int i = 0; i < s.population().keys; i++) {
      String key = "key:" + i;
      byte[] value = new byte[8 + random.nextInt(120)];
      random.nextBytes(value);
      boolean withTtl = switch (s.expiry()) {
        case NONE -> false;
        case SOME -> i % 3 == 0;
        case ALL -> true;
      };
      if (!ks.evictIfNeeded()) {
        continue; // the server answers -OOM and does not write
      }
      write(key, value, withTtl);
    }
    forgetEvicted();
  }

  private void write(String key, byte[] value, boolean withTtl) {
    byte[] k = key.getBytes(UTF_8);
    long expire = withTtl ? clock.currentTimeMillis() + TTL_MILLIS : Keyspace.NO_EXPIRY;
    ks.setString(0, k, 0, k.length, value, 0, value.length, expire, false);
    written.put(key, value);
    if (withTtl) {
      volatileKeys.add(key);
    } else {
      volatileKeys.remove(key);
    }
  }

  private void forgetEvicted() {
    written.keySet().removeIf(k -> ks.lookup(0, k.getBytes(UTF_8), 0, k.length(), Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS) == Keyspace.NONE);
    volatileKeys.retainAll(written.keySet());
  }

  @AfterEach
  void checkInvariants() {
    if (ks == null) {
      return;
    }
    try {
      ks.checkInvariants();
      long now = clock.currentTimeMillis();
      Set<String> scanned = new HashSet<>();
      long cursor = 0;
      do {
        cursor = ks.scan(0, cursor, 100, (key, off, len, type) -> scanned.add(new String(key, off, len, UTF_8)));
      } while (cursor != 0);
      for (String key : scanned) {
        byte[] k = key.getBytes(UTF_8);
        long ref = ks.lookup(0, k, 0, k.length, Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS);
        assertThat(ref).as(spec + ": scanned key " + key + " is live").isNotEqualTo(Keyspace.NONE);
        long expireAt = ks.expireAt(ref);
        assertThat(expireAt == Keyspace.NO_EXPIRY || expireAt > now).as(spec + ": no expired key visible").isTrue();
        assertThat(ks.stringBytes(ref)).as(spec + ": value of " + key).isEqualTo(written.get(key));
      }
      assertThat(scanned).as(spec + ": scan sees exactly the written, unevicted keys").isEqualTo(written.keySet());
      if (ks.size(0) == 0) {
        assertThat(ks.entryBytes()).as(spec + ": no entry bytes left in an empty keyspace").isZero();
      }
    } finally {
      ks.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void populationIsReadable(Spec s) {
    populate(s);
    if (s.population() != Population.EVICTION_BOUND) {
      assertThat(written).hasSize(s.population().keys);
    } else if (s.policy() == EvictionPolicy.NOEVICTION
        || (s.policy().isVolatileOnly() && s.expiry() == Expiry.NONE)) {
      assertThat(ks.usedMemory()).as("fills until the refusal").isGreaterThan(ks.maxMemory() - 1_000);
      assertThat(ks.stats().evictedKeys()).isZero();
    } else {
      assertThat(ks.stats().evictedKeys()).as("eviction ran").isPositive();
      if (ks.evictIfNeeded()) {
        assertThat(ks.usedMemory()).isLessThanOrEqualTo(ks.maxMemory());
      } else {
        assertThat(s.policy().isVolatileOnly()).as("only a volatile-* policy runs out of candidates").isTrue();
        assertThat(ks.volatileSize(0)).isZero();
      }
      forgetEvicted();
    }
    assertThat(ks.size(0)).isEqualTo(written.size());
    assertThat(ks.volatileSize(0)).isEqualTo(volatileKeys.size());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void deletingEveryKeyReleasesItsMemory(Spec s) {
    populate(s);
    for (String key : new ArrayList<>(written.keySet())) {
      assertThat(ks.delete(0, key.getBytes(UTF_8), 0, key.length())).as(key).isTrue();
      written.remove(key);
    }
    assertThat(ks.size(0)).isZero();
    assertThat(ks.entryBytes()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void expiryRemovesExactlyTheVolatileKeys(Spec s) {
    populate(s);
    long before = ks.size(0);
    clock.advanceMillis(TTL_MILLIS);
    int removed = 0;
    for (int n; (n = ks.activeExpireCycle(100)) > 0; ) {
      assertThat(n).isLessThanOrEqualTo(100);
      removed += n;
    }
    assertThat(removed).isEqualTo(volatileKeys.size());
    assertThat(ks.size(0)).isEqualTo(before - volatileKeys.size());
    assertThat(ks.stats().expiredKeys()).isEqualTo(volatileKeys.size());
    written.keySet().removeAll(volatileKeys);
    volatileKeys.clear();
    assertThat(ks.volatileSize(0)).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void lazyExpiryHidesExpiredKeysBeforeAnyCycle(Spec s) {
    populate(s);
    clock.advanceMillis(TTL_MILLIS);
    for (String key : volatileKeys) {
      assertThat(ks.lookup(0, key.getBytes(UTF_8), 0, key.length(), 0)).as(key).isEqualTo(Keyspace.NONE);
    }
    assertThat(ks.stats().expiredKeys()).isEqualTo(volatileKeys.size());
    written.keySet().removeAll(volatileKeys);
    volatileKeys.clear();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void overwritesOfEveryKeyKeepTheCounts(Spec s) {
    populate(s);
    Random random = new Random(7);
    for (String key : new ArrayList<>(written.keySet())) {
      byte[] value = new byte[random.nextInt(300)];
      random.nextBytes(value);
      byte[] k = key.getBytes(UTF_8);
      ks.setString(0, k, 0, k.length, value, 0, value.length, Keyspace.NO_EXPIRY, true);
      written.put(key, value);
    }
    assertThat(ks.size(0)).isEqualTo(written.size());
    assertThat(ks.volatileSize(0)).as("KEEPTTL kept the TTLs").isEqualTo(volatileKeys.size());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void switchingPolicyAtRuntimeKeepsEveryKey(Spec s) {
    populate(s);
    ks.setMaxMemory(0);
    for (EvictionPolicy other : EvictionPolicy.values()) {
      ks.setPolicy(other);
      ks.checkInvariants();
      assertThat(ks.policy()).isEqualTo(other);
    }
    ks.setPolicy(s.policy());
    assertThat(ks.size(0)).isEqualTo(written.size());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void shrinkingMaxMemoryEvictsByPolicyOrRefuses(Spec s) {
    populate(s);
    long target = emptyMemory + (ks.usedMemory() - emptyMemory) / 2;
    ks.setMaxMemory(target);
    boolean ok = ks.evictIfNeeded();
    boolean canEvict = s.policy() != EvictionPolicy.NOEVICTION
        && (!s.policy().isVolatileOnly() || !volatileKeys.isEmpty());
    if (ks.usedMemory() <= target && ks.stats().evictedKeys() == 0) {
      assertThat(ok).isTrue(); // nothing to do (empty, or already under)
    } else if (!canEvict) {
      assertThat(ok).isFalse();
    }
    Set<String> before = new HashSet<>(written.keySet());
    Set<String> volatileBefore = new HashSet<>(volatileKeys);
    forgetEvicted();
    Set<String> evicted = new HashSet<>(before);
    evicted.removeAll(written.keySet());
    if (s.policy().isVolatileOnly()) {
      assertThat(volatileBefore).as("only volatile keys are evicted").containsAll(evicted);
    }
    if (ok) {
      assertThat(ks.usedMemory()).isLessThanOrEqualTo(target);
    }
  }
}
