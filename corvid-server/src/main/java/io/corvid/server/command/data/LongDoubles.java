package io.corvid.server.command.data;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * INCRBYFLOAT and HINCRBYFLOAT arithmetic exactly as Redis does it on x86-64: in C
 * {@code long double} (x87 80-bit extended: 64-bit significand, exponents -16382..16383),
 * parsed by {@code strtold} and printed with {@code "%.17Lf"} then trailing zeros removed.
 *
 * <p>Java has no 80-bit type and a {@code double} gives visibly different results
 * ({@code 10.5 + 0.1} prints "10.59999999999999964" at 17 decimals; Redis answers "10.6"). So the
 * value is kept as the exact {@link BigDecimal} of a long double: every parse and every sum is
 * rounded to 64 significant bits (round half to even, as the FPU does) and the formatting rounds
 * the exact binary value to 17 decimals, as glibc's printf does. These commands are not hot, so
 * the cost of BigDecimal is acceptable.
 *
 * <p>Infinities are {@link #POSITIVE_INFINITY} and {@link #NEGATIVE_INFINITY}, compared by
 * identity; NaN is never produced by {@link #parse} (Redis rejects it).
 */
public final class LongDoubles {
  public static final BigDecimal POSITIVE_INFINITY = new BigDecimal(BigInteger.ONE, -99999);
  public static final BigDecimal NEGATIVE_INFINITY = new BigDecimal(BigInteger.ONE.negate(), -99999);

  /** Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are not numbers. */
  public static final int MAX_CHARS = 5 * 1024;
  /** Significand bits of the x87 extended format. */
  static final int SIGNIFICAND_BITS = 64;
  /** Largest binary exponent of a finite long double. */
  static final int MAX_EXPONENT = 16383;
  /** Exponent of the smallest subnormal long double (2^-16445). */
  static final int MIN_QUANTUM_EXPONENT = -16445;
  /** Decimal places of Redis's "%.17Lf". */
  static final int HUMAN_DECIMALS = 17;

  /** Beyond 10^4934 every value overflows a long double. */
  static final int DECIMAL_OVERFLOW_DIGITS = 4934;
  /** Below 10^-4953 every value rounds to zero. */
  static final int DECIMAL_UNDERFLOW_DIGITS = -4953;

  private static final double LOG2_10 = Math.log(10) / Math.log(2);

  private LongDoubles() {}

  public static boolean isInfinite(BigDecimal v) {
    return v == POSITIVE_INFINITY || v == NEGATIVE_INFINITY;
  }

  /**
   * Redis's {@code string2ld}: the nearest long double to the text, or null when Redis would not
   * accept it (empty, leading space, trailing garbage, NaN, overflow, underflow to zero).
   */
  public static BigDecimal parse(byte[] b, int off, int len) {
    if (len == 0 || len >= MAX_CHARS) {
      return null;
    }
    String s = new String(b, off, len, StandardCharsets.ISO_8859_1);
    int p = 0;
    boolean negative = false;
    if (s.charAt(0) == '+' || s.charAt(0) == '-') {
      negative = s.charAt(0) == '-';
      p = 1;
    }
    String body = s.substring(p);
    if (body.equalsIgnoreCase("inf") || body.equalsIgnoreCase("infinity")) {
      return negative ? NEGATIVE_INFINITY : POSITIVE_INFINITY;
    }
    BigDecimal exact;
    if (body.length() > 2 && body.charAt(0) == '0' && (body.charAt(1) == 'x' || body.charAt(1) == 'X')) {
      exact = parseHex(body.substring(2));
      if (exact == null) {
        return null;
      }
      exact = negative ? exact.negate() : exact;
    } else {
      if (body.isEmpty() || !io.corvid.common.DecimalSyntax.isUnsignedDecimal(body, 0)) {
        return null;
      }
      try {
        exact = new BigDecimal(s);
      } catch (NumberFormatException | ArithmeticException e) {
        return null;
      }
    }
    if (exact.signum() == 0) {
      return BigDecimal.ZERO;
    }
    BigDecimal rounded = round(exact);
    if (rounded == null || isInfinite(rounded)) {
      return null; // strtold reports ERANGE for overflow and for underflow to zero
    }
    return rounded;
  }

  /** strtold's hexadecimal form after "0x": hexdigits [. hexdigits] [p [sign] digits]. */
  private static BigDecimal parseHex(String s) {
    BigInteger mantissa = BigInteger.ZERO;
    int i = 0;
    int n = s.length();
    int digits = 0;
    int fractionDigits = 0;
    boolean point = false;
    for (; i < n; i++) {
      char c = s.charAt(i);
      int d = Character.digit(c, 16);
      if (c == '.' && !point) {
        point = true;
      } else if (d >= 0 && c < 128) {
        mantissa = mantissa.shiftLeft(4).add(BigInteger.valueOf(d));
        digits++;
        if (point) {
          fractionDigits++;
        }
      } else {
        break;
      }
    }
    if (digits == 0) {
      return null;
    }
    long exponent = 0;
    if (i < n && (s.charAt(i) == 'p' || s.charAt(i) == 'P')) {
      i++;
      boolean negativeExponent = false;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        negativeExponent = s.charAt(i) == '-';
        i++;
      }
      int expDigits = 0;
      for (; i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9'; i++, expDigits++) {
        exponent = Math.min(exponent * 10 + (s.charAt(i) - '0'), 1_000_000);
      }
      if (expDigits == 0) {
        return null;
      }
      exponent = negativeExponent ? -exponent : exponent;
    }
    if (i != n) {
      return null;
    }
    long binaryExponent = exponent - 4L * fractionDigits;
    if (mantissa.signum() == 0) {
      return BigDecimal.ZERO;
    }
    // Far out of range: stand-ins that round() turns into overflow or underflow.
    if (binaryExponent + mantissa.bitLength() > MAX_EXPONENT + 1) {
      return powerOfTwo(MAX_EXPONENT + 1);
    }
    if (binaryExponent + mantissa.bitLength() < MIN_QUANTUM_EXPONENT - 1) {
      return powerOfTwo(MIN_QUANTUM_EXPONENT - 2);
    }
    return scaleByPowerOfTwo(new BigDecimal(mantissa), (int) binaryExponent);
  }


  /** a + b in long double, or null when the result is infinite or NaN. */
  public static BigDecimal add(BigDecimal a, BigDecimal b) {
    if (isInfinite(a) || isInfinite(b)) {
      return null;
    }
    BigDecimal sum = round(a.add(b));
    return sum == null || isInfinite(sum) ? null : sum;
  }

  /** Redis's ld2string(LD_STR_HUMAN): "%.17Lf", trailing zeros and dot removed, "-0" as "0". */
  public static String format(BigDecimal v) {
    String s = v.setScale(HUMAN_DECIMALS, RoundingMode.HALF_EVEN).toPlainString();
    int end = s.length();
    while (s.charAt(end - 1) == '0') {
      end--;
    }
    if (s.charAt(end - 1) == '.') {
      end--;
    }
    s = s.substring(0, end);
    return s.equals("-0") ? "0" : s;
  }

  /**
   * Rounds an exact value to the nearest long double: an infinity on overflow, zero on total
   * underflow (never null for non-zero input except through that).
   */
  static BigDecimal round(BigDecimal x) {
    int sign = x.signum();
    if (sign == 0) {
      return BigDecimal.ZERO;
    }
    BigDecimal abs = x.abs();
    // Decide far-out magnitudes from the decimal exponent alone: 2^-16445 is about 10^-4951 and
    // 2^16384 about 10^4932, and computing powers of two that large would be needlessly slow.
    long digitsBeforePoint = (long) abs.precision() - abs.scale();
    if (digitsBeforePoint > DECIMAL_OVERFLOW_DIGITS) {
      return sign > 0 ? POSITIVE_INFINITY : NEGATIVE_INFINITY;
    }
    if (digitsBeforePoint < DECIMAL_UNDERFLOW_DIGITS) {
      return null;
    }
    int e = floorLog2(abs);
    if (e > MAX_EXPONENT) {
      return sign > 0 ? POSITIVE_INFINITY : NEGATIVE_INFINITY;
    }
    int quantum = Math.max(e - (SIGNIFICAND_BITS - 1), MIN_QUANTUM_EXPONENT);
    BigInteger m = scaleByPowerOfTwo(abs, -quantum).setScale(0, RoundingMode.HALF_EVEN).toBigIntegerExact();
    if (m.signum() == 0) {
      return null;
    }
    BigDecimal r = scaleByPowerOfTwo(new BigDecimal(m), quantum);
    if (floorLog2(r) > MAX_EXPONENT) {
      return sign > 0 ? POSITIVE_INFINITY : NEGATIVE_INFINITY;
    }
    return sign > 0 ? r : r.negate();
  }

  /** floor(log2(v)) for v > 0. */
  static int floorLog2(BigDecimal v) {
    double estimate = v.unscaledValue().bitLength() - 1 - v.scale() * LOG2_10;
    int e = (int) Math.floor(estimate);
    while (v.compareTo(powerOfTwo(e)) < 0) {
      e--;
    }
    while (v.compareTo(powerOfTwo(e + 1)) >= 0) {
      e++;
    }
    return e;
  }

  /** 2^e exactly. */
  static BigDecimal powerOfTwo(int e) {
    if (e >= 0) {
      return new BigDecimal(BigInteger.ONE.shiftLeft(e));
    }
    return new BigDecimal(BigInteger.valueOf(5).pow(-e), -e); // 2^-k == 5^k / 10^k
  }

  private static BigDecimal scaleByPowerOfTwo(BigDecimal v, int e) {
    if (e >= 0) {
      return v.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(e)));
    }
    return v.multiply(powerOfTwo(e));
  }
}
