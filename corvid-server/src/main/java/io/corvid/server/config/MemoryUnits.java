package io.corvid.server.config;

import java.util.Locale;

/**
 * Memory sizes as redis.conf writes them: a plain number of bytes, or a number with a unit where
 * {@code k}, {@code m}, {@code g} are powers of 1000 and {@code kb}, {@code mb}, {@code gb} powers
 * of 1024 (case-insensitive): {@code 1k = 1000}, {@code 1kb = 1024}.
 */
public final class MemoryUnits {
  private MemoryUnits() {}

  /** The size in bytes, or throws with Redis's "argument must be a memory value". */
  public static long parse(String text) throws ConfigException {
    String s = text.trim().toLowerCase(Locale.ROOT);
    long multiplier = 1;
    String digits = s;
    String[][] units = {{"kb", "1024"}, {"mb", "1048576"}, {"gb", "1073741824"}, {"k", "1000"}, {"m", "1000000"}, {"g", "1000000000"}, {"b", "1"}};
    for (String[] u : units) {
      if (s.endsWith(u[0])) {
        multiplier = Long.parseLong(u[1]);
        digits = s.substring(0, s.length() - u[0].length());
        break;
      }
    }
    if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
      throw new ConfigException("argument must be a memory value");
    }
    try {
      return Math.multiplyExact(Long.parseLong(digits), multiplier);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new ConfigException("argument must be a memory value");
    }
  }

  /** A human-readable size as INFO prints it ("1.50M", "100.00K", "512B"). */
  public static String human(long bytes) {
    double b = bytes;
    if (bytes < 1024) {
      return bytes + "B";
    } else if (bytes < 1024L * 1024) {
      return String.format(Locale.ROOT, "%.2fK", b / 1024);
    } else if (bytes < 1024L * 1024 * 1024) {
      return String.format(Locale.ROOT, "%.2fM", b / (1024 * 1024));
    } else if (bytes < 1024L * 1024 * 1024 * 1024) {
      return String.format(Locale.ROOT, "%.2fG", b / (1024L * 1024 * 1024));
    }
    return String.format(Locale.ROOT, "%.2fT", b / (1024L * 1024 * 1024 * 1024));
  }

  /** The shortest exact redis.conf spelling: "100mb", "1gb", "1000" bytes. */
  public static String compact(long bytes) {
    if (bytes != 0 && bytes % (1024L * 1024 * 1024) == 0) {
      return bytes / (1024L * 1024 * 1024) + "gb";
    } else if (bytes != 0 && bytes % (1024L * 1024) == 0) {
      return bytes / (1024L * 1024) + "mb";
    } else if (bytes != 0 && bytes % 1024 == 0) {
      return bytes / 1024 + "kb";
    }
    return Long.toString(bytes);
  }
}
