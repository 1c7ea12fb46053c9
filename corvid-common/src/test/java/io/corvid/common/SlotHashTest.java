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
}
