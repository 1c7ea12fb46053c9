package io.corvid.server.replication;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * The replication stream from a primary to a follower (a replica or a migration target), after
 * the follower's {@code CORVID.SYNC} on the primary's client port. One connection carries many
 * slots; every frame names its slot.
 *
 * <pre>
 *   frame := type(1) length(4, big-endian, of the body) body
 *   'C' continue      slot(2) seq(4) history(8) offset(8)   your data is at offset: live entries follow
 *   'S' snapshot      slot(2) seq(4) history(8) offset(8)   drop the slot; chunks follow, then entries after offset
 *   'K' chunk         slot(2) chunk                         a Keyspace.dumpSlot chunk (EntryFormat, CRC'd)
 *   'E' snapshot end  slot(2)                               the slot is now at the snapshot's offset
 *   'V' string        slot(2) offset(8) expireAt(8) keyLen(4) key value     the key is now this string
 *   'W' write         slot(2) offset(8) expireAt(8) keyLen(4) key payload   the key's new state (a DUMP payload)
 *   'D' delete        slot(2) offset(8) key                 the key is gone
 *   'X' not primary   slot(2) seq(4)                        the sender does not serve the slot (any more)
 *   'P' ping          (empty)                               keep-alive
 * </pre>
 *
 * A handshake frame ('C', 'S', 'X') echoes the {@code seq} of the follower's request, so a
 * follower that asked again ignores every frame of the slot until the answer to its latest
 * request arrives (frames of an older request may still be in flight). Entries carry their
 * offset; a follower applies entry {@code n + 1} after {@code n} and nothing else.
 *
 * <p>The primary may also answer with a RESP error line ({@code -NOAUTH ...}) when the request is
 * refused; {@link Decoder} reports it, and skips RESP simple-string lines ({@code +OK} of AUTH).
 */
public final class Frames {
  public static final byte CONTINUE = 'C';
  public static final byte SNAPSHOT = 'S';
  public static final byte CHUNK = 'K';
  public static final byte SNAPSHOT_END = 'E';
  public static final byte WRITE = 'W';
  public static final byte STRING = 'V';
  public static final byte DELETE = 'D';
  public static final byte NOT_PRIMARY = 'X';
  public static final byte PING = 'P';
  static final int HEADER_BYTES = 5;
  /** The largest body accepted: a key plus a value of up to proto-max-bulk-len's maximum, with room. */
  public static final int MAX_FRAME_BYTES = 1 << 30;
  /** A RESP line the primary may send instead of frames is at most this long. */
  static final int MAX_LINE_BYTES = 64 * 1024;

  private Frames() {}

  /** A decoded frame. Fields a type does not use are 0 / null. */
  public record Frame(byte type, int slot, int seq, long history, long offset, long expireAt, byte[] key, byte[] payload,
      String line) {
    static Frame line(byte type, String text) {
      return new Frame(type, -1, 0, 0, 0, 0, null, null, text);
    }
  }

  // ------------------------------------------------------------------ encoding

  /** An entry frame for a key's new state, encoded once and kept in the backlog. */
  public static byte[] write(int slot, long offset, byte[] key, long expireAt, byte[] payload) {
    byte[] f = keyed(WRITE, slot, offset, key, expireAt, payload.length);
    System.arraycopy(payload, 0, f, f.length - payload.length, payload.length);
    return f;
  }

  /**
   * A 'V' or 'W' frame with room for {@code valueLen} bytes at its end, for the caller to fill
   * (a string value is copied straight from the keyspace, with no DUMP payload in between).
   */
  public static byte[] keyed(byte type, int slot, long offset, byte[] key, long expireAt, int valueLen) {
    int body = 2 + 8 + 8 + 4 + key.length + valueLen;
    byte[] f = new byte[HEADER_BYTES + body];
    int p = header(f, type, body);
    p = putShort(f, p, slot);
    p = putLong(f, p, offset);
    p = putLong(f, p, expireAt);
    p = putInt(f, p, key.length);
    System.arraycopy(key, 0, f, p, key.length);
    return f;
  }

  /** An entry frame for a deleted key. */
  public static byte[] delete(int slot, long offset, byte[] key) {
    int body = 2 + 8 + key.length;
    byte[] f = new byte[HEADER_BYTES + body];
    int p = header(f, DELETE, body);
    p = putShort(f, p, slot);
    p = putLong(f, p, offset);
    System.arraycopy(key, 0, f, p, key.length);
    return f;
  }

  /** The offset of an entry frame made by {@link #write} or {@link #delete}. */
  static long entryOffset(byte[] frame) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = v << 8 | (frame[HEADER_BYTES + 2 + i] & 0xFF);
    }
    return v;
  }

  public static void handshake(ByteBuf out, byte type, int slot, int seq, long history, long offset) {
    out.writeByte(type).writeInt(2 + 4 + 8 + 8).writeShort(slot).writeInt(seq).writeLong(history).writeLong(offset);
  }

  public static void chunk(ByteBuf out, int slot, byte[] chunk, int off, int len) {
    out.writeByte(CHUNK).writeInt(2 + len).writeShort(slot).writeBytes(chunk, off, len);
  }

  public static void snapshotEnd(ByteBuf out, int slot) {
    out.writeByte(SNAPSHOT_END).writeInt(2).writeShort(slot);
  }

  public static void notPrimary(ByteBuf out, int slot, int seq) {
    out.writeByte(NOT_PRIMARY).writeInt(6).writeShort(slot).writeInt(seq);
  }

  public static void ping(ByteBuf out) {
    out.writeByte(PING).writeInt(0);
  }

  private static int header(byte[] f, byte type, int body) {
    f[0] = type;
    return putInt(f, 1, body);
  }

  private static int putShort(byte[] b, int p, int v) {
    b[p] = (byte) (v >>> 8);
    b[p + 1] = (byte) v;
    return p + 2;
  }

  private static int putInt(byte[] b, int p, int v) {
    for (int i = 3; i >= 0; i--) {
      b[p++] = (byte) (v >>> (8 * i));
    }
    return p;
  }

  private static int putLong(byte[] b, int p, long v) {
    for (int i = 7; i >= 0; i--) {
      b[p++] = (byte) (v >>> (8 * i));
    }
    return p;
  }

  // ------------------------------------------------------------------ decoding

  /**
   * Incremental decoder: {@link #decode} takes whatever bytes arrived (any split, down to one byte
   * at a time), consumes every whole frame and leaves a partial one in the buffer for the next
   * call. A malformed stream throws {@link IllegalStateException}; the connection is then closed.
   */
  public static final class Decoder {
    /** Consumes every whole frame readable in {@code in} and appends it to {@code out}. */
    public void decode(ByteBuf in, List<Frame> out) {
      while (in.isReadable()) {
        int start = in.readerIndex();
        byte type = in.getByte(start);
        if (type == '-' || type == '+') {
          int eol = in.indexOf(start, in.writerIndex(), (byte) '\n');
          if (eol < 0) {
            if (in.readableBytes() > MAX_LINE_BYTES) {
              throw new IllegalStateException("replication stream: a line longer than " + MAX_LINE_BYTES + " bytes");
            }
            return;
          }
          String text = in.toString(start + 1, eol - start - 1, java.nio.charset.StandardCharsets.UTF_8).strip();
          in.readerIndex(eol + 1);
          out.add(Frame.line(type, text));
          continue;
        }
        if (in.readableBytes() < HEADER_BYTES) {
          return;
        }
        int len = in.getInt(start + 1);
        if (len < 0 || len > MAX_FRAME_BYTES) {
          throw new IllegalStateException("replication stream: frame length " + len + " out of range");
        }
        if (in.readableBytes() < HEADER_BYTES + len) {
          return;
        }
        in.skipBytes(HEADER_BYTES);
        int end = in.readerIndex() + len;
        out.add(body(type, in, len));
        if (in.readerIndex() != end) {
          throw new IllegalStateException("replication stream: frame '" + (char) type + "' of " + len + " bytes is malformed");
        }
      }
    }

    private static Frame body(byte type, ByteBuf in, int len) {
      switch (type) {
        case CONTINUE, SNAPSHOT -> {
          need(len == 22, type, len);
          return new Frame(type, in.readUnsignedShort(), in.readInt(), in.readLong(), in.readLong(), 0, null, null, null);
        }
        case CHUNK -> {
          need(len >= 2, type, len);
          int slot = in.readUnsignedShort();
          byte[] chunk = new byte[len - 2];
          in.readBytes(chunk);
          return new Frame(type, slot, 0, 0, 0, 0, null, chunk, null);
        }
        case SNAPSHOT_END -> {
          need(len == 2, type, len);
          return new Frame(type, in.readUnsignedShort(), 0, 0, 0, 0, null, null, null);
        }
        case WRITE, STRING -> {
          need(len >= 22, type, len);
          int slot = in.readUnsignedShort();
          long offset = in.readLong();
          long expireAt = in.readLong();
          int keyLen = in.readInt();
          need(keyLen >= 0 && keyLen <= len - 22, type, len);
          byte[] key = new byte[keyLen];
          in.readBytes(key);
          byte[] payload = new byte[len - 22 - keyLen];
          in.readBytes(payload);
          return new Frame(type, slot, 0, 0, offset, expireAt, key, payload, null);
        }
        case DELETE -> {
          need(len >= 10, type, len);
          int slot = in.readUnsignedShort();
          long offset = in.readLong();
          byte[] key = new byte[len - 10];
          in.readBytes(key);
          return new Frame(type, slot, 0, 0, offset, 0, key, null, null);
        }
        case NOT_PRIMARY -> {
          need(len == 6, type, len);
          return new Frame(type, in.readUnsignedShort(), in.readInt(), 0, 0, 0, null, null, null);
        }
        case PING -> {
          need(len == 0, type, len);
          return new Frame(type, -1, 0, 0, 0, 0, null, null, null);
        }
        default -> throw new IllegalStateException("replication stream: unknown frame type " + (type & 0xFF));
      }
    }

    private static void need(boolean ok, byte type, int len) {
      if (!ok) {
        throw new IllegalStateException("replication stream: frame '" + (char) type + "' with a body of " + len + " bytes");
      }
    }
  }
}
