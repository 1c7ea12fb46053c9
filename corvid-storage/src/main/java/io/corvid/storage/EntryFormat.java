package io.corvid.storage;

import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32C;

/**
 * Corvid's own serialised form of entries, used by DUMP / RESTORE and by slot streaming
 * (replication snapshots and slot migration). Not Redis's RDB format.
 *
 * <pre>
 *   DUMP payload:  version(1) value                          crc32c(4, little-endian)
 *   slot chunk:    version(1) entry* end(1 = 0xFF)           crc32c(4, little-endian)
 *   entry:         type(1) keyLen(varint) key expireAt(8, little-endian; -1 = none) body
 *   value:         type(1) body
 *   body, string:  len(varint) bytes
 *   body, hash:    count(varint) (fieldLen(varint) field valueLen(varint) value){count}
 * </pre>
 *
 * Varints are unsigned LEB128 of at most 5 bytes (lengths are ints). The CRC covers every byte
 * before it. Readers check version and CRC before parsing anything, and check every length against
 * what is left, so a corrupted payload is rejected, never half applied.
 */
public final class EntryFormat {
  /** Bumped whenever the layout changes; readers refuse other versions. */
  public static final byte VERSION = 1;
  static final byte TYPE_STRING = 0;
  static final byte TYPE_HASH = 1;
  static final byte END = (byte) 0xFF;
  static final int CRC_BYTES = 4;

  private EntryFormat() {}

  static void writeVarint(ByteArrayOutputStream out, int v) {
    while ((v & ~0x7F) != 0) {
      out.write((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }

  static void writeLong(ByteArrayOutputStream out, long v) {
    for (int i = 0; i < 8; i++) {
      out.write((int) (v >>> (8 * i)));
    }
  }

  static void writeBytes(ByteArrayOutputStream out, byte[] b, int off, int len) {
    writeVarint(out, len);
    out.write(b, off, len);
  }

  static int crc(byte[] b, int off, int len) {
    CRC32C crc = new CRC32C();
    crc.update(b, off, len);
    return (int) crc.getValue();
  }

  /** Appends the CRC of {@code out}'s bytes from {@code start} to its end. */
  static void finish(ByteArrayOutputStream out, int start) {
    byte[] all = out.toByteArray();
    int c = crc(all, start, all.length - start);
    for (int i = 0; i < CRC_BYTES; i++) {
      out.write(c >>> (8 * i));
    }
  }

  /** Checks version and CRC of {@code b[off, off+len)}; throws the "version or checksum" error. */
  static void verify(byte[] b, int off, int len) {
    if (len < 1 + CRC_BYTES || b[off] != VERSION) {
      throw new EntryFormatException("payload version or checksum are wrong", true);
    }
    int end = off + len - CRC_BYTES;
    int stored = (b[end] & 0xFF) | (b[end + 1] & 0xFF) << 8 | (b[end + 2] & 0xFF) << 16 | (b[end + 3] & 0xFF) << 24;
    if (stored != crc(b, off, len - CRC_BYTES)) {
      throw new EntryFormatException("payload version or checksum are wrong", true);
    }
  }

  /** A bounds-checked cursor over a verified payload; any overrun is "bad data format". */
  static final class Reader {
    final byte[] b;
    int pos;
    final int end;
    /** Length of the slice {@link #readSlice} read last. */
    int lastLen;

    Reader(byte[] b, int off, int len) {
      this.b = b;
      this.pos = off + 1; // after the version
      this.end = off + len - CRC_BYTES;
    }

    static EntryFormatException bad() {
      return new EntryFormatException("bad data format", false);
    }

    byte readByte() {
      if (pos >= end) {
        throw bad();
      }
      return b[pos++];
    }

    int readVarint() {
      int v = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        int x = readByte() & 0xFF;
        v |= (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          if (v < 0 || (shift == 28 && x > 0x07)) {
            throw bad();
          }
          return v;
        }
      }
      throw bad();
    }

    long readLong() {
      if (end - pos < 8) {
        throw bad();
      }
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v |= (b[pos++] & 0xFFL) << (8 * i);
      }
      return v;
    }

    /** Reads a length and skips that many bytes; returns the offset of the first. */
    int readSlice() {
      int len = readVarint();
      if (len > end - pos) {
        throw bad();
      }
      int at = pos;
      pos += len;
      lastLen = len;
      return at;
    }

    boolean atEnd() {
      return pos == end;
    }
  }
}
