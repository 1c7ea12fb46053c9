package io.corvid.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.FakeClock;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** APPEND / SETRANGE in place with sds-like preallocation, and the slack in the memory meter. */
class StringGrowthTest {
  private final FakeClock clock = new FakeClock();
  private final OffHeapKeyspace ks = new OffHeapKeyspace(StorageConfig.defaults().withPolicy(EvictionPolicy.ALLKEYS_LRU), clock);
  private final byte[] key = "s".getBytes(UTF_8);

  @AfterEach
  void close() {
    ks.close();
  }

  private long ref() {
    return ks.lookup(0, key, 0, key.length, Keyspace.LOOKUP_NOTOUCH);
  }

  private int append(byte[] bytes) {
    return ks.writeString(0, key, 0, key.length, ks.stringLength(ref()), bytes, 0, bytes.length);
  }

  @Test
  void repeatedAppendsReallocateLogarithmicallyOften() {
    ks.setString(0, key, 0, key.length, new byte[0], 0, 0, clock.currentTimeMillis() + 60_000, false);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    long address = ks.stringAddress(ref());
    int moves = 0;
    byte[] piece = "0123456789abcdefghij".getBytes(UTF_8);
    for (int i = 0; i < 100_000; i++) {
      assertThat(append(piece)).isEqualTo((i + 1) * piece.length);
      expected.writeBytes(piece);
      long now = ks.stringAddress(ref());
      if (now != address) {
        moves++;
        address = now;
      }
    }
    // 2 MB by doubling up to 1 MB, then +1 MB: about 20 doublings and a couple of megabyte steps.
    assertThat(moves).isBetween(10, 30);
    assertThat(ks.stringBytes(ref())).isEqualTo(expected.toByteArray());
    assertThat(ks.expireAt(ref())).as("TTL kept").isEqualTo(clock.currentTimeMillis() + 60_000);
    ks.checkInvariants(); // entryBytes counts each chunk's usable size, slack included
  }

  @Test
  void theSlackIsCountedAndBoundedAndASetGivesItBack() {
    ks.setString(0, key, 0, key.length, new byte[0], 0, 0, Keyspace.NO_EXPIRY, false);
    byte[] kb = new byte[1000];
    Arrays.fill(kb, (byte) 'x');
    for (int i = 0; i < 3_000; i++) { // 3 MB: past the 1 MB doubling limit
      append(kb);
      int len = ks.stringLength(ref());
      long usage = ks.memoryUsage(ref());
      long room = len < Keyspace.STRING_PREALLOC_LIMIT_BYTES ? 2L * len : (long) len + Keyspace.STRING_PREALLOC_LIMIT_BYTES;
      assertThat(usage).as("at " + len).isGreaterThan(len).isLessThan(room + 4096 + 200);
    }
    long before = ks.usedMemory();
    long usageWithSlack = ks.memoryUsage(ref());
    assertThat(usageWithSlack - ks.stringLength(ref())).as("slack past 1 MB").isGreaterThan(0).isLessThanOrEqualTo(Keyspace.STRING_PREALLOC_LIMIT_BYTES + 4096);
    byte[] small = "v".getBytes(UTF_8);
    ks.setString(0, key, 0, key.length, small, 0, 1, Keyspace.NO_EXPIRY, false);
    assertThat(ks.memoryUsage(ref())).isLessThan(200);
    assertThat(before - ks.usedMemory()).isGreaterThan(3_000_000);
    ks.checkInvariants();
  }

  @Test
  void setRangeZeroFillsWritesInPlaceAndKeepsTheIntEncodingRight() {
    byte[] v = "12".getBytes(UTF_8);
    ks.setString(0, key, 0, key.length, v, 0, v.length, Keyspace.NO_EXPIRY, false);
    assertThat(ks.encoding(ref())).isEqualTo("int");
    assertThat(append("3".getBytes(UTF_8))).isEqualTo(3);
    assertThat(ks.encoding(ref())).isEqualTo("int");
    assertThat(append("x".getBytes(UTF_8))).isEqualTo(4);
    assertThat(ks.encoding(ref())).isEqualTo("embstr");
    byte[] hello = "hello".getBytes(UTF_8);
    assertThat(ks.writeString(0, key, 0, key.length, 10, hello, 0, hello.length)).isEqualTo(15);
    byte[] expected = new byte[15];
    System.arraycopy("123x".getBytes(UTF_8), 0, expected, 0, 4);
    System.arraycopy(hello, 0, expected, 10, 5);
    assertThat(ks.stringBytes(ref())).isEqualTo(expected);
    byte[] ab = "AB".getBytes(UTF_8);
    assertThat(ks.writeString(0, key, 0, key.length, 1, ab, 0, ab.length)).as("inside: length unchanged").isEqualTo(15);
    expected[1] = 'A';
    expected[2] = 'B';
    assertThat(ks.stringBytes(ref())).isEqualTo(expected);
    ks.checkInvariants();
  }
}
