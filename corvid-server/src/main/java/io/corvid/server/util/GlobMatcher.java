package io.corvid.server.util;

import java.nio.charset.StandardCharsets;

/**
 * Redis's glob matching ({@code stringmatchlen} in util.c), byte for byte, for KEYS, SCAN MATCH,
 * PSUBSCRIBE, PUBSUB CHANNELS and CONFIG GET.
 *
 * <ul>
 *   <li>{@code *} any run of bytes, {@code ?} one byte;
 *   <li>{@code [abc]}, {@code [^abc]}, {@code [a-z]} (reversed ranges allowed), {@code \} inside
 *       a class escapes the next byte;
 *   <li>{@code \x} matches x literally;
 *   <li>with {@code nocase}, ASCII letters compare case-insensitively.
 * </ul>
 *
 * <p>Allocation-free. Recursion happens only on {@code *} and is bounded as in Redis 7.2: after
 * {@link #MAX_NESTING} nested stars, or once a star has failed to match the rest of the string,
 * the match is abandoned, so hostile patterns such as {@code a*a*a*a*...b} cannot take
 * exponential time.
 */
public final class GlobMatcher {
  /** Redis 7.2 caps the nesting of '*' recursion (protects against stack overflow). */
  public static final int MAX_NESTING = 1000;

  private GlobMatcher() {}

  public static boolean matches(String pattern, String string, boolean nocase) {
    byte[] p = pattern.getBytes(StandardCharsets.UTF_8);
    byte[] s = string.getBytes(StandardCharsets.UTF_8);
    return matches(p, 0, p.length, s, 0, s.length, nocase);
  }

  public static boolean matches(byte[] pattern, byte[] string) {
    return matches(pattern, 0, pattern.length, string, 0, string.length, false);
  }

  /** True when {@code string[sOff, sOff+sLen)} matches {@code pattern[pOff, pOff+pLen)}. */
  public static boolean matches(byte[] pattern, int pOff, int pLen, byte[] string, int sOff, int sLen, boolean nocase) {
    boolean[] skipLongerMatches = new boolean[1];
    return match(pattern, pOff, pOff + pLen, string, sOff, sOff + sLen, nocase, skipLongerMatches, 0);
  }

  /** True when the pattern has no glob metacharacters, so it can only match itself. */
  public static boolean isLiteral(byte[] pattern) {
    for (byte b : pattern) {
      if (b == '*' || b == '?' || b == '[' || b == '\\') {
        return false;
      }
    }
    return true;
  }

  private static boolean match(byte[] p, int pi, int pEnd, byte[] s, int si, int sEnd, boolean nocase,
      boolean[] skipLongerMatches, int nesting) {
    if (nesting > MAX_NESTING) {
      return false;
    }
    while (pi < pEnd && si < sEnd) {
      switch (p[pi]) {
        case '*' -> {
          while (pi + 1 < pEnd && p[pi + 1] == '*') {
            pi++;
          }
          if (pi + 1 == pEnd) {
            return true;
          }
          while (si < sEnd) {
            if (match(p, pi + 1, pEnd, s, si, sEnd, nocase, skipLongerMatches, nesting + 1)) {
              return true;
            }
            if (skipLongerMatches[0]) {
              return false;
            }
            si++;
          }
          // No suffix of the string matched the rest of the pattern: a longer prefix for an
          // earlier star cannot help either.
          skipLongerMatches[0] = true;
          return false;
        }
        case '?' -> si++;
        case '[' -> {
          pi++;
          boolean not = pi < pEnd && p[pi] == '^';
          if (not) {
            pi++;
          }
          boolean matched = false;
          while (true) {
            if (pi >= pEnd) {
              pi--; // unterminated class: Redis treats the end as ']'
              break;
            }
            if (p[pi] == '\\' && pEnd - pi >= 2) {
              pi++;
              if (p[pi] == s[si]) {
                matched = true;
              }
            } else if (p[pi] == ']') {
              break;
            } else if (pEnd - pi >= 3 && p[pi + 1] == '-') {
              int start = p[pi] & 0xff;
              int end = p[pi + 2] & 0xff;
              int c = s[si] & 0xff;
              if (start > end) {
                int t = start;
                start = end;
                end = t;
              }
              if (nocase) {
                start = lower(start);
                end = lower(end);
                c = lower(c);
              }
              pi += 2;
              if (c >= start && c <= end) {
                matched = true;
              }
            } else if (nocase) {
              if (lower(p[pi] & 0xff) == lower(s[si] & 0xff)) {
                matched = true;
              }
            } else if (p[pi] == s[si]) {
              matched = true;
            }
            pi++;
          }
          if (not) {
            matched = !matched;
          }
          if (!matched) {
            return false;
          }
          si++;
        }
        case '\\' -> {
          if (pEnd - pi >= 2) {
            pi++;
          }
          if (!literal(p[pi], s[si], nocase)) {
            return false;
          }
          si++;
        }
        default -> {
          if (!literal(p[pi], s[si], nocase)) {
            return false;
          }
          si++;
        }
      }
      pi++;
      if (si == sEnd) {
        while (pi < pEnd && p[pi] == '*') {
          pi++;
        }
        break;
      }
    }
    return pi == pEnd && si == sEnd;
  }

  private static boolean literal(byte a, byte b, boolean nocase) {
    if (a == b) {
      return true;
    }
    return nocase && lower(a & 0xff) == lower(b & 0xff);
  }

  private static int lower(int c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
  }
}
