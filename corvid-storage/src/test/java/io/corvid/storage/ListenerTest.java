package io.corvid.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.FakeClock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every change reaches the listener with its cause; reads and stats behave as INFO expects. */
class ListenerTest {
  private final FakeClock clock = new FakeClock();
  private final List<String> events = new ArrayList<>();
  private final Keyspace ks = Keyspace.create(StorageConfig.defaults(), clock);

  {
    ks.setListener(new KeyspaceListener() {
      @Override
      public void keyChanged(int db, byte[] key, int off, int len, Cause cause) {
        events.add(cause + " " + db + " " + new String(key, off, len, UTF_8));
      }

      @Override
      public void databaseFlushed(int db) {
        events.add("FLUSH " + db);
      }
    });
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private void set(int db, String key, long expireAt) {
    ks.setString(db, b(key), 0, key.length(), b("v"), 0, 1, expireAt, false);
  }

  @Test
  void everyKindOfChangeIsReported() {
    long now = clock.currentTimeMillis();
    set(0, "a", Keyspace.NO_EXPIRY);
    ks.hashSet(0, b("h"), 0, 1, b("f"), 0, 1, b("v"), 0, 1);
    ks.setExpire(0, b("a"), 0, 1, now + 10);
    ks.rename(0, b("a"), 0, 1, b("b"), 0, 1);
    ks.copy(0, b("b"), 0, 1, 1, b("c"), 0, 1, false);
    ks.move(0, b("h"), 0, 1, 2);
    ks.hashDelete(2, b("h"), 0, 1, b("f"), 0, 1);
    ks.delete(1, b("c"), 0, 1);
    clock.advanceMillis(10);
    ks.activeExpireCycle(10);
    set(3, "x", Keyspace.NO_EXPIRY);
    ks.flush(3);
    set(4, "y", Keyspace.NO_EXPIRY);
    ks.flushAll();
    assertThat(events).containsExactly(
        "WRITE 0 a", "WRITE 0 h", "WRITE 0 a",
        "DELETE 0 a", "WRITE 0 b",
        "WRITE 1 c",
        "DELETE 0 h", "WRITE 2 h",
        "DELETE 2 h",
        "DELETE 1 c",
        "EXPIRE 0 b",
        "WRITE 3 x", "FLUSH 3",
        "WRITE 4 y", "FLUSH -1");
    assertThat(ks.size(0) + ks.size(1) + ks.size(2) + ks.size(4)).isZero();
  }

  @Test
  void nothingIsReportedForReadsAndMissesAndStatsCountThem() {
    set(0, "a", Keyspace.NO_EXPIRY);
    events.clear();
    ks.lookup(0, b("a"), 0, 1, 0);
    ks.lookup(0, b("zz"), 0, 2, 0);
    ks.lookup(0, b("a"), 0, 1, Keyspace.LOOKUP_NOSTATS);
    assertThat(ks.delete(0, b("zz"), 0, 2)).isFalse();
    assertThat(ks.setExpire(0, b("zz"), 0, 2, 5)).isFalse();
    assertThat(ks.rename(0, b("zz"), 0, 2, b("q"), 0, 1)).isFalse();
    assertThat(events).isEmpty();
    assertThat(ks.stats()).isEqualTo(new KeyspaceStats(1, 1, 0, 0));
    ks.resetStats();
    assertThat(ks.stats()).isEqualTo(new KeyspaceStats(0, 0, 0, 0));
  }

  @Test
  void accessesStampTheCachedSecondOnceTheAccessClockIsRefreshed() {
    set(0, "a", Keyspace.NO_EXPIRY);
    ks.refreshAccessClock(); // second 0, cached
    clock.advanceMillis(5_000);
    long ref = ks.lookup(0, b("a"), 0, 1, 0);
    // the access was stamped with the cached second 0, not the clock's second 5
    assertThat(ks.idleMillis(ref)).isEqualTo(5_000);
    ks.refreshAccessClock(); // second 5
    clock.advanceMillis(2_000);
    assertThat(ks.idleMillis(ref)).isEqualTo(7_000);
    ks.lookup(0, b("a"), 0, 1, 0);
    assertThat(ks.idleMillis(ref)).isEqualTo(2_000);
    ks.lookup(0, b("a"), 0, 1, Keyspace.LOOKUP_NOTOUCH);
    ks.refreshAccessClock();
    ks.lookup(0, b("a"), 0, 1, 0);
    assertThat(ks.idleMillis(ref)).isZero();
    ks.close();
  }

  @Test
  void idleTimeAndMemoryUsageAreReported() {
    set(0, "a", Keyspace.NO_EXPIRY);
    clock.advanceMillis(5_000);
    long ref = ks.lookup(0, b("a"), 0, 1, Keyspace.LOOKUP_NOTOUCH);
    assertThat(ks.idleMillis(ref)).isEqualTo(5_000);
    ref = ks.lookup(0, b("a"), 0, 1, 0);
    assertThat(ks.idleMillis(ref)).isZero();
    assertThat(ks.memoryUsage(ref)).isBetween(32L, 64L);
    ks.close();
  }
}
