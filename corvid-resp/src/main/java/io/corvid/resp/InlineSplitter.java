package io.corvid.resp;

/**
 * Splits an inline command line into arguments with the rules of Redis's {@code sdssplitargs}
 * ({@code sds.c}), in place in the {@link Request} arena.
 *
 * <ul>
 *   <li>Arguments are separated by blanks ({@code isspace}: space, {@code \t \n \v \f \r}). An
 *       unquoted argument ends only at space, {@code \t}, {@code \n} or {@code \r}: {@code \v} and
 *       {@code \f} inside it are kept, as in Redis.
 *   <li>{@code "..."} understands {@code \n \r \t \b \a}, {@code \xHH} (two hex digits) and
 *       {@code \<any>} for that character ({@code \\}, {@code \"}). An invalid {@code \x} escape
 *       is just {@code x}.
 *   <li>{@code '...'} understands only {@code \'}.
 *   <li>A quote may start in the middle of an argument ({@code a"b c"} is {@code ab c}); a
 *       closing quote must be followed by a blank or the end of the line, and a quote must be
 *       closed: otherwise the line is rejected (Redis: "unbalanced quotes").
 * </ul>
 *
 * <p>In place works because every argument byte comes from at least one line byte read before it
 * is written: the write position never passes the read position.
 */
final class InlineSplitter {
  private static final int END = -1;

  private InlineSplitter() {}

  /**
   * Splits {@code request.arena[0, length)} into {@code request}'s arguments.
   *
   * @return false on unbalanced quotes
   */
  static boolean split(Request request, int length) {
    byte[] a = request.arena;
    request.argc = 0;
    int p = 0;
    int w = 0;
    for (; ; ) {
      while (p < length && isSpace(a[p])) {
        p++;
      }
      if (p >= length) {
        break;
      }
      int start = w;
      boolean inDouble = false;
      boolean inSingle = false;
      boolean done = false;
      while (!done) {
        int c = p < length ? a[p] & 0xff : END;
        if (inDouble) {
          if (c == '\\' && at(a, p + 1, length) == 'x'
              && isHex(at(a, p + 2, length)) && isHex(at(a, p + 3, length))) {
            a[w++] = (byte) (hexValue(a[p + 2]) * 16 + hexValue(a[p + 3]));
            p += 3;
          } else if (c == '\\' && p + 1 < length) {
            p++;
            a[w++] = unescape(a[p]);
          } else if (c == '"') {
            if (p + 1 < length && !isSpace(a[p + 1])) {
              return false;
            }
            done = true;
          } else if (c == END) {
            return false;
          } else {
            a[w++] = (byte) c;
          }
        } else if (inSingle) {
          if (c == '\\' && at(a, p + 1, length) == '\'') {
            p++;
            a[w++] = '\'';
          } else if (c == '\'') {
            if (p + 1 < length && !isSpace(a[p + 1])) {
              return false;
            }
            done = true;
          } else if (c == END) {
            return false;
          } else {
            a[w++] = (byte) c;
          }
        } else {
          switch (c) {
            case ' ':
            case '\n':
            case '\r':
            case '\t':
            case END:
              done = true;
              break;
            case '"':
              inDouble = true;
              break;
            case '\'':
              inSingle = true;
              break;
            default:
              a[w++] = (byte) c;
              break;
          }
        }
        if (p < length) {
          p++;
        }
      }
      request.addSlice(start, w - start);
    }
    request.arenaUsed = w;
    return true;
  }

  private static int at(byte[] a, int i, int length) {
    return i < length ? a[i] & 0xff : END;
  }

  private static byte unescape(byte b) {
    switch (b) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'b':
        return '\b';
      case 'a':
        return 7;
      default:
        return b;
    }
  }

  /** C's {@code isspace} in the C locale. */
  static boolean isSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == 0x0b || b == '\f' || b == '\r';
  }

  private static boolean isHex(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static int hexValue(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return c - 'A' + 10;
  }
}
