package io.corvid.resp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes RESP2 and RESP3 replies straight into an outbound {@link ByteBuf}, allocating nothing
 * for the common replies (OK, PONG, integers, bulk strings from byte slices, headers).
 *
 * <p>Where RESP3 has a type RESP2 lacks, the RESP2 form is the one Redis 7 sends: maps become flat
 * arrays, sets become arrays, null is {@code $-1} (or {@code *-1} for arrays), doubles become bulk
 * strings, booleans become integers, push messages become arrays.
 */
public final class RespWriter {
  private static final byte[] CRLF = {'\r', '\n'};
  /** {@code \r\n} as a big-endian short. */
  private static final int CRLF_SHORT = '\r' << 8 | '\n';
  private static final byte[] PONG = ascii("+PONG\r\n");
  private static final byte[] QUEUED = ascii("+QUEUED\r\n");
  private static final byte[] NULL_ARRAY_2 = ascii("*-1\r\n");
  private static final byte[] NULL_3 = ascii("_\r\n");
  private static final byte[] EMPTY_ARRAY = ascii("*0\r\n");
  private static final byte[] TRUE_3 = ascii("#t\r\n");
  private static final byte[] FALSE_3 = ascii("#f\r\n");
  private static final byte[] TXT_PREFIX = ascii("txt:");

  private static final int SMALL_INTS = 1024;
  private static final byte[][] INTEGER_REPLIES = new byte[SMALL_INTS][];
  private static final byte[][] DECIMALS = new byte[SMALL_INTS][];

  static {
    for (int i = 0; i < SMALL_INTS; i++) {
      INTEGER_REPLIES[i] = ascii(":" + i + "\r\n");
      DECIMALS[i] = ascii(Integer.toString(i));
    }
  }

  private RespWriter() {}

  public static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  public static void ok(ByteBuf out) {
    out.writeInt('+' << 24 | 'O' << 16 | 'K' << 8 | '\r');
    out.writeByte('\n');
  }

  public static void pong(ByteBuf out) {
    out.writeBytes(PONG);
  }

  public static void queued(ByteBuf out) {
    out.writeBytes(QUEUED);
  }

  /** {@code +text}. The text must not contain CR or LF. */
  public static void simpleString(ByteBuf out, String text) {
    out.writeByte('+');
    out.writeCharSequence(text, StandardCharsets.UTF_8);
    out.writeBytes(CRLF);
  }

  /**
   * {@code -message}. The message starts with its error code as Redis words it, for example
   * {@code "ERR wrong number of arguments for 'get' command"} or {@code "WRONGTYPE Operation ..."}.
   * CR and LF in the message are replaced by spaces so the reply stays one line.
   */
  public static void error(ByteBuf out, String message) {
    out.writeByte('-');
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      if (c == '\r' || c == '\n') {
        out.writeByte(' ');
      } else if (c < 0x80) {
        out.writeByte(c);
      } else if (Character.isHighSurrogate(c)
          && i + 1 < message.length()
          && Character.isLowSurrogate(message.charAt(i + 1))) {
        out.writeCharSequence(message.subSequence(i, i + 2), StandardCharsets.UTF_8);
        i++;
      } else {
        out.writeCharSequence(String.valueOf(c), StandardCharsets.UTF_8);
      }
    }
    out.writeBytes(CRLF);
  }

  public static void integer(ByteBuf out, long value) {
    if (value >= 0 && value < SMALL_INTS) {
      out.writeBytes(INTEGER_REPLIES[(int) value]);
      return;
    }
    out.writeByte(':');
    writeDecimal(out, value);
    out.writeBytes(CRLF);
  }

  public static void bulk(ByteBuf out, byte[] value) {
    bulk(out, value, 0, value.length);
  }

  public static void bulk(ByteBuf out, byte[] value, int off, int len) {
    bulkHeader(out, len);
    out.writeBytes(value, off, len);
    crlf(out);
  }

  public static void bulk(ByteBuf out, String value) {
    bulk(out, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Bulk string or null bulk when {@code value} is null. */
  public static void bulkOrNull(ByteBuf out, RespVersion v, byte[] value) {
    if (value == null) {
      nullBulk(out, v);
    } else {
      bulk(out, value);
    }
  }

  /** {@code $len\r\n}: the caller writes exactly {@code len} bytes then {@link #crlf}. */
  public static void bulkHeader(ByteBuf out, int len) {
    // The common lengths as whole ints and shorts (big-endian, so in order): one bounds check per
    // put instead of copying 1-3 small arrays. Copying a 2-byte array into a direct buffer costs
    // an Unsafe.copyMemory call with its checks; this was ~2% of the event loop on GETs.
    if (len >= 0 && len < 10) {
      out.writeInt('$' << 24 | ('0' + len) << 16 | CRLF_SHORT);
    } else if (len >= 10 && len < 100) {
      out.writeInt('$' << 24 | ('0' + len / 10) << 16 | ('0' + len % 10) << 8 | '\r');
      out.writeByte('\n');
    } else if (len >= 100 && len < 1000) {
      out.writeInt('$' << 24 | ('0' + len / 100) << 16 | ('0' + len / 10 % 10) << 8 | ('0' + len % 10));
      out.writeShort(CRLF_SHORT);
    } else {
      out.writeByte('$');
      writeDecimal(out, len);
      out.writeShort(CRLF_SHORT);
    }
  }

  public static void crlf(ByteBuf out) {
    out.writeShort(CRLF_SHORT);
  }

  /** The null reply for a missing string: {@code $-1} in RESP2, {@code _} in RESP3. */
  public static void nullBulk(ByteBuf out, RespVersion v) {
    if (v == RespVersion.RESP3) {
      out.writeMedium('_' << 16 | CRLF_SHORT);
    } else {
      out.writeInt('$' << 24 | '-' << 16 | '1' << 8 | '\r');
      out.writeByte('\n');
    }
  }

  /** The null reply for a missing array: {@code *-1} in RESP2, {@code _} in RESP3. */
  public static void nullArray(ByteBuf out, RespVersion v) {
    out.writeBytes(v == RespVersion.RESP3 ? NULL_3 : NULL_ARRAY_2);
  }

  public static void arrayHeader(ByteBuf out, long n) {
    if (n == 0) {
      out.writeBytes(EMPTY_ARRAY);
      return;
    }
    out.writeByte('*');
    writeDecimal(out, n);
    out.writeBytes(CRLF);
  }

  /** A map of {@code pairs} entries: {@code %n} in RESP3, a flat array of 2n in RESP2. */
  public static void mapHeader(ByteBuf out, RespVersion v, long pairs) {
    if (v == RespVersion.RESP3) {
      out.writeByte('%');
      writeDecimal(out, pairs);
      out.writeBytes(CRLF);
    } else {
      arrayHeader(out, pairs * 2);
    }
  }

  /** A set: {@code ~n} in RESP3, an array in RESP2. */
  public static void setHeader(ByteBuf out, RespVersion v, long n) {
    if (v == RespVersion.RESP3) {
      out.writeByte('~');
      writeDecimal(out, n);
      out.writeBytes(CRLF);
    } else {
      arrayHeader(out, n);
    }
  }

  /** An out-of-band push: {@code >n} in RESP3, an array in RESP2 (pub/sub messages). */
  public static void pushHeader(ByteBuf out, RespVersion v, long n) {
    if (v == RespVersion.RESP3) {
      out.writeByte('>');
      writeDecimal(out, n);
      out.writeBytes(CRLF);
    } else {
      arrayHeader(out, n);
    }
  }

  /** A double: {@code ,text} in RESP3, a bulk string in RESP2. {@code text} is already formatted. */
  public static void doubleValue(ByteBuf out, RespVersion v, String text) {
    if (v == RespVersion.RESP3) {
      out.writeByte(',');
      out.writeCharSequence(text, StandardCharsets.US_ASCII);
      out.writeBytes(CRLF);
    } else {
      bulk(out, text);
    }
  }

  /** A boolean: {@code #t}/{@code #f} in RESP3, {@code :1}/{@code :0} in RESP2. */
  public static void bool(ByteBuf out, RespVersion v, boolean value) {
    if (v == RespVersion.RESP3) {
      out.writeBytes(value ? TRUE_3 : FALSE_3);
    } else {
      integer(out, value ? 1 : 0);
    }
  }

  /** Verbatim text ({@code =len\r\ntxt:...}) in RESP3, a bulk string in RESP2 (INFO, CLIENT LIST). */
  public static void verbatim(ByteBuf out, RespVersion v, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (v == RespVersion.RESP3) {
      out.writeByte('=');
      writeDecimal(out, bytes.length + 4);
      out.writeBytes(CRLF);
      out.writeBytes(TXT_PREFIX);
      out.writeBytes(bytes);
      out.writeBytes(CRLF);
    } else {
      bulk(out, bytes);
    }
  }

  /**
   * Verbatim text with its three-letter format ({@code txt}, {@code mkd}) in RESP3, a bulk string
   * of the text alone in RESP2.
   */
  public static void verbatim(ByteBuf out, RespVersion v, String format, byte[] text) {
    if (format.length() != 3) {
      throw new IllegalArgumentException("verbatim format must have 3 characters: " + format);
    }
    if (v == RespVersion.RESP3) {
      out.writeByte('=');
      writeDecimal(out, text.length + 4);
      out.writeBytes(CRLF);
      out.writeCharSequence(format, StandardCharsets.US_ASCII);
      out.writeByte(':');
      out.writeBytes(text);
      out.writeBytes(CRLF);
    } else {
      bulk(out, text);
    }
  }

  /**
   * A big number: {@code (digits} in RESP3, a bulk string in RESP2 (Redis's addReplyBigNum).
   * {@code digits} is an optional {@code -} and decimal digits.
   */
  public static void bigNumber(ByteBuf out, RespVersion v, String digits) {
    if (v == RespVersion.RESP3) {
      out.writeByte('(');
      out.writeCharSequence(digits, StandardCharsets.US_ASCII);
      out.writeBytes(CRLF);
    } else {
      bulk(out, digits);
    }
  }

  /**
   * Attributes ({@code |pairs}) that precede the next reply; the caller writes {@code 2 * pairs}
   * values, then the reply itself. RESP3 only: RESP2 has no attributes and Redis never sends them
   * to a RESP2 client, so the caller must skip them there.
   */
  public static void attributeHeader(ByteBuf out, long pairs) {
    out.writeByte('|');
    writeDecimal(out, pairs);
    out.writeBytes(CRLF);
  }

  /** Writes the decimal digits of {@code value} with no allocation. */
  public static void writeDecimal(ByteBuf out, long value) {
    if (value >= 0 && value < SMALL_INTS) {
      out.writeBytes(DECIMALS[(int) value]);
      return;
    }
    if (value == Long.MIN_VALUE) {
      out.writeCharSequence("-9223372036854775808", StandardCharsets.US_ASCII);
      return;
    }
    if (value < 0) {
      out.writeByte('-');
      value = -value;
    }
    int digits = 1;
    for (long t = value; t >= 10; t /= 10) {
      digits++;
    }
    int at = out.writerIndex();
    out.ensureWritable(digits);
    for (int i = digits - 1; i >= 0; i--) {
      out.setByte(at + i, (int) ('0' + value % 10));
      value /= 10;
    }
    out.writerIndex(at + digits);
  }
}
