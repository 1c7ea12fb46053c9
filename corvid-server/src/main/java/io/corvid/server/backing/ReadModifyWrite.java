package io.corvid.server.backing;

import io.corvid.server.command.CommandException;
import io.corvid.server.command.Errors;
import io.corvid.server.command.data.LongDoubles;
import io.corvid.server.command.data.RedisIntegers;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The commands that change a mapped key from its current value, computed on a row (write-through:
 * the database's row, read with {@code SELECT ... FOR UPDATE} in the transaction that writes the
 * result). Write-behind runs the node's own command implementations on the cached value instead.
 * The errors are Redis's, word for word.
 *
 * <p>String stores with one value column: INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT, APPEND. Hash
 * stores: HINCRBY, HINCRBYFLOAT, HDEL (a deleted field is a NULL column; the row stays).
 */
final class ReadModifyWrite {
  static final List<String> STRING_COMMANDS = List.of("incr", "decr", "incrby", "decrby", "incrbyfloat", "append");
  static final List<String> HASH_COMMANDS = List.of("hincrby", "hincrbyfloat", "hdel");
  private static final String HASH_NAN_OR_INFINITY = "ERR value is NaN or Infinity";
  private static final String DECREMENT_OVERFLOW = "ERR decrement would overflow";

  /** The columns to write and the reply: a Long (integer reply) or a String (bulk reply). */
  record Result(Map<String, String> columns, Object reply) {}

  private ReadModifyWrite() {}

  static boolean isStringCommand(String name) {
    return STRING_COMMANDS.contains(name);
  }

  /**
   * Applies command {@code name} with arguments {@code args} (after the key) to {@code row} (the
   * value columns' current text, null for NULL or no row). Throws {@link CommandException} with
   * Redis's error when the value or an argument does not fit.
   */
  static Result apply(String name, List<byte[]> args, String valueColumn, Map<String, String> row) {
    Map<String, String> cols = new LinkedHashMap<>();
    switch (name) {
      case "incr", "decr", "incrby", "decrby" -> {
        long by = switch (name) {
          case "incr" -> 1;
          case "decr" -> -1;
          case "incrby" -> integer(args.get(0), Errors.NOT_INTEGER);
          default -> {
            long d = integer(args.get(0), Errors.NOT_INTEGER);
            if (d == Long.MIN_VALUE) {
              throw new CommandException(DECREMENT_OVERFLOW);
            }
            yield -d;
          }
        };
        return increment(cols, valueColumn, row.get(valueColumn), by, Errors.NOT_INTEGER);
      }
      case "incrbyfloat" -> {
        String cur = row.get(valueColumn);
        BigDecimal now = cur == null ? BigDecimal.ZERO : decimal(cur.getBytes(StandardCharsets.UTF_8));
        BigDecimal by = decimal(args.get(0));
        if (now == null || by == null) {
          throw new CommandException(Errors.NOT_FLOAT);
        }
        String text = sum(now, by);
        cols.put(valueColumn, text);
        return new Result(cols, text);
      }
      case "append" -> {
        String cur = row.get(valueColumn);
        String result = (cur == null ? "" : cur) + new String(args.get(0), StandardCharsets.UTF_8);
        cols.put(valueColumn, result);
        return new Result(cols, (long) result.getBytes(StandardCharsets.UTF_8).length);
      }
      case "hincrby" -> {
        String field = text(args.get(0));
        long by = integer(args.get(1), Errors.NOT_INTEGER);
        return increment(cols, field, row.get(field), by, Errors.HASH_NOT_INTEGER);
      }
      case "hincrbyfloat" -> {
        String field = text(args.get(0));
        BigDecimal by = decimal(args.get(1));
        if (by == null) {
          throw new CommandException(Errors.NOT_FLOAT);
        }
        if (LongDoubles.isInfinite(by)) {
          throw new CommandException(HASH_NAN_OR_INFINITY);
        }
        String cur = row.get(field);
        BigDecimal now = BigDecimal.ZERO;
        if (cur != null) {
          now = decimal(cur.getBytes(StandardCharsets.UTF_8));
          if (now == null) {
            throw new CommandException(Errors.HASH_NOT_FLOAT);
          }
        }
        String text = sum(now, by);
        cols.put(field, text);
        return new Result(cols, text);
      }
      case "hdel" -> {
        long deleted = 0;
        for (byte[] f : args) {
          String field = text(f);
          if (!cols.containsKey(field) && row.get(field) != null) {
            deleted++;
          }
          cols.put(field, null);
        }
        return new Result(cols, deleted);
      }
      default -> throw new IllegalArgumentException(name.toUpperCase(Locale.ROOT));
    }
  }

  /** Column {@code column} (now {@code cur}, null counts as 0) plus {@code by}: the integer reply. */
  private static Result increment(Map<String, String> cols, String column, String cur, long by, String notInteger) {
    long now = cur == null ? 0 : integer(cur.getBytes(StandardCharsets.UTF_8), notInteger);
    long result = add(now, by);
    cols.put(column, Long.toString(result));
    return new Result(cols, result);
  }

  /** INCRBYFLOAT's sum, formatted as Redis formats it. */
  private static String sum(BigDecimal now, BigDecimal by) {
    BigDecimal sum = LongDoubles.add(now, by);
    if (sum == null) {
      throw new CommandException(Errors.INCR_NAN_OR_INF);
    }
    return LongDoubles.format(sum);
  }

  private static long add(long now, long by) {
    if (by < 0 && now < 0 && by < Long.MIN_VALUE - now || by > 0 && now > 0 && by > Long.MAX_VALUE - now) {
      throw new CommandException(Errors.OVERFLOW);
    }
    return now + by;
  }

  private static long integer(byte[] b, String error) {
    return RedisIntegers.parse(b, 0, b.length, error);
  }

  private static BigDecimal decimal(byte[] b) {
    return LongDoubles.parse(b, 0, b.length);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
