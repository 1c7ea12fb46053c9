package io.corvid.server.command.data;

import io.corvid.server.command.CommandException;
import java.nio.charset.StandardCharsets;

/**
 * Redis's {@code string2ll}: the only strings that count as integers are the canonical decimal
 * forms of a signed 64-bit value. No spaces, no '+', no leading zeros, no "-0", at most 20
 * characters. INCR, HINCRBY and every integer argument use it, so "01" or " 1" are rejected as
 * Redis rejects them.
 */
public final class RedisIntegers {
  /** Longest canonical signed 64-bit decimal: "-9223372036854775808". */
  public static final int MAX_LONG_CHARS = 20;

  private static final long MIN_DIV_10 = Long.MIN_VALUE / 10;

  private RedisIntegers() {}

  /** The slice as a long, or a {@link CommandException} with {@code error} when it is not one. */
  public static long parse(byte[] b, int off, int len, String error) {
    if (len == 1 && b[off] == '0') {
      return 0;
    }
    if (len == 0 || len > MAX_LONG_CHARS) {
      throw new CommandException(error);
    }
    int p = off;
    int end = off + len;
    boolean negative = b[p] == '-';
    if (negative && ++p == end) {
      throw new CommandException(error);
    }
    if (b[p] < '1' || b[p] > '9') {
      throw new CommandException(error);
    }
    // Accumulate negatively so Long.MIN_VALUE fits.
    long acc = 0;
    for (; p < end; p++) {
      int d = b[p] - '0';
      if (d < 0 || d > 9 || acc < MIN_DIV_10) {
        throw new CommandException(error);
      }
      acc *= 10;
      if (acc < Long.MIN_VALUE + d) {
        throw new CommandException(error);
      }
      acc -= d;
    }
    if (negative) {
      return acc;
    }
    if (acc == Long.MIN_VALUE) {
      throw new CommandException(error);
    }
    return -acc;
  }

  /**
   * Writes the decimal digits of {@code value} at the start of {@code dst} (at least
   * {@link #MAX_LONG_CHARS} long) and returns how many were written.
   */
  public static int format(long value, byte[] dst) {
    if (value == Long.MIN_VALUE) {
      byte[] min = MIN_VALUE_DIGITS;
      System.arraycopy(min, 0, dst, 0, min.length);
      return min.length;
    }
    int len = 0;
    long v = value;
    if (v < 0) {
      dst[len++] = '-';
      v = -v;
    }
    int digits = 1;
    for (long t = v; t >= 10; t /= 10) {
      digits++;
    }
    for (int i = len + digits - 1; i >= len; i--) {
      dst[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    return len + digits;
  }

  private static final byte[] MIN_VALUE_DIGITS = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);

  /** The decimal digits of {@code value}, as Redis stores an INCR result. */
  public static byte[] toBytes(long value) {
    return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
  }
}
