package io.corvid.bench.simulator;

import java.util.Arrays;

/** Whitespace-separated fields of one text line, parsed without allocating a String per field. */
final class LineFields {

  private String line = "";
  private int[] starts = new int[8];
  private int[] ends = new int[8];
  private int count;

  LineFields split(String text) {
    line = text;
    count = 0;
    int i = 0;
    int n = text.length();
    while (true) {
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      if (i == n) {
        return this;
      }
      int start = i;
      while (i < n && !Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      if (count == starts.length) {
        starts = Arrays.copyOf(starts, count << 1);
        ends = Arrays.copyOf(ends, count << 1);
      }
      starts[count] = start;
      ends[count] = i;
      count++;
    }
  }

  String line() {
    return line;
  }

  int count() {
    return count;
  }

  /** Field {@code index} as a signed decimal long. */
  long decimal(int index) {
    int i = starts[index];
    int end = ends[index];
    boolean negative = line.charAt(i) == '-';
    if (negative || line.charAt(i) == '+') {
      i++;
    }
    if (i == end) {
      throw new NumberFormatException("not a number: '" + field(index) + "'");
    }
    long value = 0;
    for (; i < end; i++) {
      int digit = line.charAt(i) - '0';
      if (digit < 0 || digit > 9) {
        throw new NumberFormatException("not a decimal number: '" + field(index) + "'");
      }
      value = Math.addExact(Math.multiplyExact(value, 10), digit);
    }
    return negative ? -value : value;
  }

  /** Field {@code index} as an unsigned hexadecimal long, with or without a 0x prefix. */
  long hex(int index) {
    int i = starts[index];
    int end = ends[index];
    if (end - i > 2 && line.charAt(i) == '0' && (line.charAt(i + 1) | 0x20) == 'x') {
      i += 2;
    }
    if (i == end || end - i > 16) {
      throw new NumberFormatException("not a 64-bit hex number: '" + field(index) + "'");
    }
    long value = 0;
    for (; i < end; i++) {
      int digit = Character.digit(line.charAt(i), 16);
      if (digit < 0) {
        throw new NumberFormatException("not a hex number: '" + field(index) + "'");
      }
      value = value << 4 | digit;
    }
    return value;
  }

  String field(int index) {
    return line.substring(starts[index], ends[index]);
  }

  IllegalArgumentException malformed(long lineNumber, String why) {
    return new IllegalArgumentException("line " + lineNumber + ": " + why + ": '" + line + "'");
  }
}
