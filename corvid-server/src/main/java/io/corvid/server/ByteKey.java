package io.corvid.server;

import java.util.Arrays;

/**
 * A byte string usable as a hash-map key (pub/sub channels and patterns, watched keys). Lookups
 * can reuse one mutable probe ({@link #probe}) so the hot path does not copy the bytes.
 */
public final class ByteKey {
  private byte[] bytes;
  private int off;
  private int len;
  private int db;
  private int hash;

  private ByteKey(int db, byte[] bytes, int off, int len) {
    reset(db, bytes, off, len);
  }

  /** An owned copy. */
  public static ByteKey copyOf(int db, byte[] bytes, int off, int len) {
    return new ByteKey(db, Arrays.copyOfRange(bytes, off, off + len), 0, len);
  }

  public static ByteKey of(byte[] bytes) {
    return new ByteKey(0, bytes, 0, bytes.length);
  }

  /** A reusable probe: point it at a slice, look up, and do not store it. */
  public static ByteKey probe() {
    return new ByteKey(0, new byte[0], 0, 0);
  }

  public ByteKey reset(int db, byte[] bytes, int off, int len) {
    this.db = db;
    this.bytes = bytes;
    this.off = off;
    this.len = len;
    int h = 31 * db + len;
    for (int i = 0; i < len; i++) {
      h = 31 * h + bytes[off + i];
    }
    this.hash = h;
    return this;
  }

  public int db() {
    return db;
  }

  /** The bytes (a copy unless this key owns exactly its array). */
  public byte[] bytes() {
    if (off == 0 && len == bytes.length) {
      return bytes;
    }
    return Arrays.copyOfRange(bytes, off, off + len);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ByteKey k && k.hash == hash && k.db == db
        && Arrays.equals(bytes, off, off + len, k.bytes, k.off, k.off + k.len);
  }

  @Override
  public String toString() {
    return new String(bytes, off, len, java.nio.charset.StandardCharsets.UTF_8);
  }
}
