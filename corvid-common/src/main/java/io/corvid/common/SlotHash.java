package io.corvid.common;

/**
 * Maps a key to one of {@link #SLOT_COUNT} slots exactly as Redis Cluster does: CRC16-XMODEM
 * (polynomial 0x1021, initial value 0) of the key, or of its hash tag, modulo 16384.
 *
 * <p>A hash tag is the part between the first '{' and the first '}' after it, when that part is
 * not empty; "{user1000}.following" and "{user1000}.followers" share a slot. "foo{}{bar}" hashes
 * the whole key, because the first tag is empty.
 */
public final class SlotHash {
  public static final int SLOT_COUNT = 16384;

  /** CRC of one byte: {@code TABLE[b]} is the CRC16 of the byte b (initial value 0). */
  private static final int[] TABLE = new int[256];
  /** {@code TABLE2[b]} is the CRC16 of the byte b followed by a zero byte. */
  private static final int[] TABLE2 = new int[256];

  static {
    for (int i = 0; i < 256; i++) {
      int crc = i << 8;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      TABLE[i] = crc & 0xFFFF;
    }
    for (int i = 0; i < 256; i++) {
      TABLE2[i] = ((TABLE[i] << 8) & 0xFFFF) ^ TABLE[TABLE[i] >>> 8];
    }
  }

  private SlotHash() {}

  /**
   * CRC16-XMODEM of {@code len} bytes of {@code data} starting at {@code off}.
   *
   * <p>Two bytes per step ("slicing by 2"): a CRC is linear, so after bytes b0 b1 the register is
   * {@code TABLE2[(crc >> 8) ^ b0] ^ TABLE[(crc & 0xFF) ^ b1]}, two independent lookups where the
   * byte-at-a-time loop chains two dependent ones. It halves the latency of a GET's slot
   * computation, which the profile showed at ~6% of an event loop's time on 16-byte keys.
   */
  public static int crc16(byte[] data, int off, int len) {
    int crc = 0;
    int i = off;
    int end = off + len;
    for (; i + 1 < end; i += 2) {
      crc = TABLE2[((crc >>> 8) ^ data[i]) & 0xFF] ^ TABLE[(crc ^ data[i + 1]) & 0xFF];
    }
    if (i < end) {
      crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ data[i]) & 0xFF]) & 0xFFFF;
    }
    return crc;
  }

  /** The slot of a key given as a slice of a byte array, honouring hash tags. */
  public static int slot(byte[] key, int off, int len) {
    int end = off + len;
    for (int open = off; open < end; open++) {
      if (key[open] == '{') {
        for (int close = open + 1; close < end; close++) {
          if (key[close] == '}') {
            if (close == open + 1) {
              break; // empty tag: hash the whole key
            }
            return crc16(key, open + 1, close - open - 1) & (SLOT_COUNT - 1);
          }
        }
        break;
      }
    }
    return crc16(key, off, len) & (SLOT_COUNT - 1);
  }

  public static int slot(byte[] key) {
    return slot(key, 0, key.length);
  }
}
