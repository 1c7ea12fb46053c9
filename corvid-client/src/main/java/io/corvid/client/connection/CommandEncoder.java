package io.corvid.client.connection;

import io.netty.buffer.ByteBuf;

/**
 * Writes a command as the client side of RESP always does: an array of bulk strings,
 * {@code *N\r\n$len\r\narg\r\n...}. No inline commands, no allocation beyond the buffer.
 */
final class CommandEncoder {
  private static final byte[] CRLF = {'\r', '\n'};

  private CommandEncoder() {}

  /** Bytes {@link #encode} will write for {@code args}: lets the caller size one buffer for a batch. */
  static int encodedLength(byte[][] args) {
    int n = 1 + digits(args.length) + 2;
    for (byte[] a : args) {
      n += 1 + digits(a.length) + 2 + a.length + 2;
    }
    return n;
  }

  static void encode(byte[][] args, ByteBuf out) {
    out.writeByte('*');
    writeLong(out, args.length);
    out.writeBytes(CRLF);
    for (byte[] a : args) {
      out.writeByte('$');
      writeLong(out, a.length);
      out.writeBytes(CRLF);
      out.writeBytes(a);
      out.writeBytes(CRLF);
    }
  }

  private static int digits(int v) {
    int d = 1;
    while (v >= 10) {
      v /= 10;
      d++;
    }
    return d;
  }

  private static void writeLong(ByteBuf out, int v) {
    if (v < 10) {
      out.writeByte('0' + v);
      return;
    }
    int d = digits(v);
    int at = out.writerIndex();
    out.ensureWritable(d);
    for (int i = d - 1; i >= 0; i--) {
      out.setByte(at + i, '0' + v % 10);
      v /= 10;
    }
    out.writerIndex(at + d);
  }
}
