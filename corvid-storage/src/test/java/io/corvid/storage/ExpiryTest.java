package io.corvid.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.FakeClock;
import org.junit.jupiter.api.Test;

/** Active and lazy expiry: bounded work per cycle, soonest first, counted. */
class ExpiryTest {
  private final FakeClock clock = new FakeClock();

  @Test
  void aMillionKeysWithOneSecondTtlAreReclaimedInBoundedCycles() {
    int keys = 1_000_000;
    int budget = 5_000;
    try (OffHeapKeyspace ks = new OffHeapKeyspace(StorageConfig.defaults(), clock)) {
      byte[] key = new byte[16];
      byte[] value = new byte[16];
      long expireAt = clock.currentTimeMillis() + 1_000;
      for (int i = 0; i < keys; i++) {
        MemoryFootprint.formatKey(key, i);
        ks.setString(0, key, 0, 16, value, 0, 16, expireAt, false);
      }
      byte[] stays = "stays".getBytes(UTF_8);
      ks.setString(0, stays, 0, stays.length, value, 0, 16, Keyspace.NO_EXPIRY, false);
      assertThat(ks.activeExpireCycle(budget)).as("nothing is due yet").isZero();
      clock.advanceMillis(1_000);
      int cycles = 0;
      long worstCycleNanos = 0;
      long begin = System.nanoTime();
      long start = begin;
      for (int removed; (removed = ks.activeExpireCycle(budget)) > 0; cycles++) {
        assertThat(removed).isLessThanOrEqualTo(budget);
        // The node keeps answering between cycles.
        assertThat(ks.lookup(0, stays, 0, stays.length, 0)).isNotEqualTo(Keyspace.NONE);
        long now = System.nanoTime();
        worstCycleNanos = Math.max(worstCycleNanos, now - start);
        start = now;
      }
      assertThat(cycles).isEqualTo(keys / budget);
      assertThat(ks.size(0)).isEqualTo(1);
      assertThat(ks.stats().expiredKeys()).isEqualTo(keys);
      System.out.printf("1M keys expired in %d cycles of %d in %.0f ms, worst cycle %.1f ms%n", cycles, budget,
          (System.nanoTime() - begin) / 1e6, worstCycleNanos / 1e6);
      ks.checkInvariants();
    }
  }

  @Test
  void activeExpiryGoesSoonestFirstAndLazyExpiryCountsToo() {
    try (OffHeapKeyspace ks = new OffHeapKeyspace(StorageConfig.defaults(), clock)) {
      long now = clock.currentTimeMillis();
      for (int i = 0; i < 10; i++) {
        byte[] k = ("k" + i).getBytes(UTF_8);
        ks.setString(0, k, 0, k.length, k, 0, k.length, now + 100 - i, false);
      }
      java.util.List<String> order = new java.util.ArrayList<>();
      ks.setListener(new KeyspaceListener() {
        @Override
        public void keyChanged(int db, byte[] key, int off, int len, Cause cause) {
          assertThat(cause).isEqualTo(Cause.EXPIRE);
          order.add(new String(key, off, len, UTF_8));
        }

        @Override
        public void databaseFlushed(int db) {}
      });
      clock.advanceMillis(100);
      assertThat(ks.activeExpireCycle(3)).isEqualTo(3);
      assertThat(order).containsExactly("k9", "k8", "k7");
      byte[] k0 = "k0".getBytes(UTF_8);
      assertThat(ks.lookup(0, k0, 0, 2, 0)).isEqualTo(Keyspace.NONE);
      assertThat(order).endsWith("k0");
      assertThat(ks.stats().expiredKeys()).isEqualTo(4);
      assertThat(ks.size(0)).isEqualTo(6);
    }
  }

  @Test
  void persistAndReexpireMoveTheKeyInTheQueue() {
    try (OffHeapKeyspace ks = new OffHeapKeyspace(StorageConfig.defaults(), clock)) {
      byte[] k = "k".getBytes(UTF_8);
      long now = clock.currentTimeMillis();
      ks.setString(0, k, 0, 1, k, 0, 1, now + 10, false);
      assertThat(ks.volatileSize(0)).isEqualTo(1);
      assertThat(ks.setExpire(0, k, 0, 1, Keyspace.NO_EXPIRY)).isTrue();
      assertThat(ks.volatileSize(0)).isZero();
      clock.advanceMillis(20);
      assertThat(ks.activeExpireCycle(10)).isZero();
      assertThat(ks.setExpire(0, k, 0, 1, clock.currentTimeMillis() + 5)).isTrue();
      assertThat(ks.expireAt(ks.lookup(0, k, 0, 1, 0))).isEqualTo(clock.currentTimeMillis() + 5);
      // SET without KEEPTTL clears the TTL, with KEEPTTL keeps it.
      ks.setString(0, k, 0, 1, k, 0, 1, Keyspace.NO_EXPIRY, true);
      assertThat(ks.volatileSize(0)).isEqualTo(1);
      ks.setString(0, k, 0, 1, k, 0, 1, Keyspace.NO_EXPIRY, false);
      assertThat(ks.volatileSize(0)).isZero();
      ks.checkInvariants();
    }
  }
}
