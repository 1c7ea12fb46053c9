package io.corvid.storage;

/**
 * The 64-bit hash of a key, computed the same way from a byte-array slice and from native memory
 * (so tables can be resized by rehashing stored keys), without allocating. Words are read 8 bytes
 * at a time in native order. The seed is fixed per process so hash values are stable within it.
 * It indexes the per-slot tables and feeds the W-TinyLFU sketch; the slot itself is CRC16.
 */
final class KeyHash {
  private static final long P1 = 0x9E3779B97F4A7C15L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  static final long SEED = 0x2545F4914F6CDD1DL ^ System.nanoTime();

  private KeyHash() {}

  static long hash(byte[] key, int off, int len) {
    long h = SEED ^ (len * P1);
    int i = 0;
    for (; i + 8 <= len; i += 8) {
      h = mix(h, NativeMemory.readLongFromArray(key, off + i));
    }
    long tail = 0;
    for (int shift = 0; i < len; i++, shift += 8) {
      tail |= (key[off + i] & 0xFFL) << shift;
    }
    return finish(mix(h, tail));
  }

  static long hashNative(long address, int len) {
    long h = SEED ^ (len * P1);
    int i = 0;
    for (; i + 8 <= len; i += 8) {
      h = mix(h, NativeMemory.getLong(address + i));
    }
    long tail = 0;
    for (int shift = 0; i < len; i++, shift += 8) {
      tail |= (NativeMemory.getByte(address + i) & 0xFFL) << shift;
    }
    return finish(mix(h, tail));
  }

  private static long mix(long h, long word) {
    return Long.rotateLeft(h ^ (word * P2), 31) * P1;
  }

  private static long finish(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 33);
  }
}
