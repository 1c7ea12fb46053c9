package io.corvid.common;

/** The plain decimal literal both the RESP double reader and Redis's float arguments accept. */
public final class DecimalSyntax {
  private DecimalSyntax() {}

  /**
   * True when {@code s}, from index {@code from} to its end, is {@code digits [. digits]
   * [(e|E) [sign] digits]} with at least one digit in the mantissa. No sign, spaces, hex, inf or
   * nan: callers handle those before.
   */
  public static boolean isUnsignedDecimal(String s, int from) {
    int i = from;
    int n = s.length();
    int digits = 0;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
      digits++;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int expDigits = 0;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        expDigits++;
      }
      if (expDigits == 0) {
        return false;
      }
    }
    return i == n;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
