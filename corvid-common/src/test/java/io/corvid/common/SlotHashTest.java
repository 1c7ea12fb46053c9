package io.corvid.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SlotHashTest {
  private static int slot(String key) {
    return SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void crc16MatchesTheRedisClusterSpecReferenceValue() {
    // The Redis Cluster specification gives CRC16("123456789") = 0x31C3.
    byte[] data = "123456789".getBytes(StandardCharsets.US_ASCII);
    assertThat(SlotHash.crc16(data, 0, data.length)).isEqualTo(0x31C3);
  }

  @Test
  void slotsMatchRedisClusterKeyslot() {
    // Values from CLUSTER KEYSLOT on Redis 7.
    assertThat(slot("foo")).isEqualTo(12182);
    assertThat(slot("bar")).isEqualTo(5061);
    assertThat(slot("hello")).isEqualTo(866);
    assertThat(slot("")).isEqualTo(0);
  }

  @Test
  void hashTagsSelectTheHashedPart() {
    assertThat(slot("{user1000}.following")).isEqualTo(slot("{user1000}.followers")).isEqualTo(slot("user1000"));
    assertThat(slot("foo{}{bar}")).isEqualTo(SlotHash.crc16("foo{}{bar}".getBytes(), 0, 10) & 16383);
    assertThat(slot("foo{{bar}}zap")).isEqualTo(slot("{bar"));
    assertThat(slot("foo{bar}{zap}")).isEqualTo(slot("bar"));
    assertThat(slot("{unclosed")).isEqualTo(SlotHash.crc16("{unclosed".getBytes(), 0, 9) & 16383);
  }

  @Test
  void twoBytesAtATimeEqualsTheBitwiseDefinition() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(42);
    for (int n = 0; n < 2000; n++) {
      byte[] b = new byte[random.nextInt(40)];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) random.nextInt(256);
      }
      int off = b.length == 0 ? 0 : random.nextInt(b.length);
      int len = b.length - off;
      assertThat(SlotHash.crc16(b, off, len)).as("bytes %s from %d", java.util.Arrays.toString(b), off)
          .isEqualTo(bitwiseCrc16(b, off, len));
    }
  }

  /** CRC16-XMODEM bit by bit, straight from its definition. */
  private static int bitwiseCrc16(byte[] b, int off, int len) {
    int crc = 0;
    for (int i = off; i < off + len; i++) {
      crc ^= (b[i] & 0xFF) << 8;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xFFFF : (crc << 1) & 0xFFFF;
      }
    }
    return crc;
  }
}
