package io.corvid.storage;

import java.util.Arrays;

/**
 * The packed encoding of a small hash, a simplified Redis listpack: field/value pairs back to
 * back, each string preceded by its length as an unsigned LEB128 varint (one byte below 128).
 * A hash of 10 fields of 8 bytes costs 10 x (1+8+1+8) = 180 bytes, with no per-field object.
 *
 * <p>The keyspace keeps a listpack in the value region of the entry's native chunk; edits copy
 * it into a heap buffer, change it there and write it back (O(n), n <= hash-max-listpack-entries,
 * as in Redis). This class works on heap buffers only.
 */
final class Listpack {
  private Listpack() {}

  static int varintSize(int value) {
    int size = 1;
    while ((value >>>= 7) != 0) {
      size++;
    }
    return size;
  }

  static int writeVarint(byte[] buf, int pos, int value) {
    while ((value & ~0x7F) != 0) {
      buf[pos++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    buf[pos++] = (byte) value;
    return pos;
  }

  /** Reads a varint at {@code pos}; returns the value, and the position after it in {@code out[0]}. */
  static int readVarint(byte[] buf, int pos, int[] next) {
    int value = 0;
    int shift = 0;
    byte b;
    do {
      b = buf[pos++];
      value |= (b & 0x7F) << shift;
      shift += 7;
    } while (b < 0);
    next[0] = pos;
    return value;
  }

  static int pairSize(int fieldLen, int valueLen) {
    return varintSize(fieldLen) + fieldLen + varintSize(valueLen) + valueLen;
  }

  static int count(byte[] buf, int len) {
    int[] next = new int[1];
    int n = 0;
    int pos = 0;
    while (pos < len) {
      int fl = readVarint(buf, pos, next);
      pos = next[0] + fl;
      int vl = readVarint(buf, pos, next);
      pos = next[0] + vl;
      n++;
    }
    return n;
  }

  /** The offset of the pair whose field equals the given bytes, or -1. */
  static int find(byte[] buf, int len, byte[] field, int off, int fieldLen) {
    int[] next = new int[1];
    int pos = 0;
    while (pos < len) {
      int start = pos;
      int fl = readVarint(buf, pos, next);
      int fpos = next[0];
      pos = fpos + fl;
      int vl = readVarint(buf, pos, next);
      pos = next[0] + vl;
      if (fl == fieldLen && Arrays.equals(buf, fpos, fpos + fl, field, off, off + fieldLen)) {
        return start;
      }
    }
    return -1;
  }

  /** Size in bytes of the pair at {@code pos}. */
  static int pairSizeAt(byte[] buf, int pos) {
    int[] next = new int[1];
    int fl = readVarint(buf, pos, next);
    int p = next[0] + fl;
    int vl = readVarint(buf, p, next);
    return next[0] + vl - pos;
  }

  /** Calls the visitor for each pair; slices point into {@code buf}. */
  static void forEach(byte[] buf, int len, HashVisitor visitor) {
    int[] next = new int[1];
    int pos = 0;
    while (pos < len) {
      int fl = readVarint(buf, pos, next);
      int fpos = next[0];
      pos = fpos + fl;
      int vl = readVarint(buf, pos, next);
      int vpos = next[0];
      pos = vpos + vl;
      visitor.field(buf, fpos, fl, buf, vpos, vl);
    }
  }

  /** The value of the pair at {@code pos} as a new array. */
  static byte[] valueAt(byte[] buf, int pos) {
    int[] next = new int[1];
    int fl = readVarint(buf, pos, next);
    int p = next[0] + fl;
    int vl = readVarint(buf, p, next);
    return Arrays.copyOfRange(buf, next[0], next[0] + vl);
  }

  /** Appends a pair at {@code pos}; returns the end. {@code buf} must have room. */
  static int writePair(byte[] buf, int pos, byte[] field, int fieldOff, int fieldLen,
      byte[] value, int valueOff, int valueLen) {
    pos = writeVarint(buf, pos, fieldLen);
    System.arraycopy(field, fieldOff, buf, pos, fieldLen);
    pos += fieldLen;
    pos = writeVarint(buf, pos, valueLen);
    System.arraycopy(value, valueOff, buf, pos, valueLen);
    return pos + valueLen;
  }
}
