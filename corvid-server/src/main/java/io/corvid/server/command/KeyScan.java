package io.corvid.server.command;

import io.corvid.resp.Request;
import io.corvid.server.util.GlobMatcher;
import io.corvid.storage.Keyspace;
import java.util.ArrayList;
import java.util.List;

/**
 * KEYS, SCAN and the option parsing HSCAN shares with SCAN (Redis's scanGenericCommand).
 *
 * <p>Keys are gathered with the engine's cursor scan, filtered by pattern and type while visited
 * (only matches are copied), and then by expiry: a key the visit returned may have expired, and
 * looking it up removes it, as Redis's scan does with expireIfNeeded. Lookups happen after the
 * visit because a lookup may change the keyspace, which is not allowed during it.
 */
final class KeyScan {
  /** SCAN's COUNT when none is given, as in Redis. */
  static final int DEFAULT_SCAN_COUNT = 10;
  /** Keys visited per engine scan step while KEYS walks the whole database. */
  static final int KEYS_STEP_COUNT = 1024;
  static final String INVALID_CURSOR = "ERR invalid cursor";

  private static final byte[] MATCH = {'M', 'A', 'T', 'C', 'H'};
  private static final byte[] COUNT = {'C', 'O', 'U', 'N', 'T'};
  private static final byte[] TYPE = {'T', 'Y', 'P', 'E'};
  private static final byte[] NOVALUES = {'N', 'O', 'V', 'A', 'L', 'U', 'E', 'S'};

  private KeyScan() {}

  /** Parsed SCAN / HSCAN options. {@code pattern} is null when every key matches. */
  record Options(byte[] pattern, int count, String typeName, boolean noValues) {
    boolean matches(byte[] key, int off, int len) {
      return pattern == null || GlobMatcher.matches(pattern, 0, pattern.length, key, off, len, false);
    }
  }

  /**
   * Redis's parseScanCursorOrReply: strtoul, so an optional sign is accepted and "-1" wraps to
   * 2^64-1; anything else, or overflow, is "invalid cursor".
   */
  static long parseCursor(Request rq, int i) {
    byte[] b = rq.buffer();
    int p = rq.offset(i);
    int end = p + rq.length(i);
    boolean negative = false;
    if (p < end && (b[p] == '+' || b[p] == '-')) {
      negative = b[p] == '-';
      p++;
    }
    if (p == end) {
      throw new CommandException(INVALID_CURSOR);
    }
    long v = 0;
    for (; p < end; p++) {
      int d = b[p] - '0';
      if (d < 0 || d > 9) {
        throw new CommandException(INVALID_CURSOR);
      }
      // unsigned v * 10 + d must fit in 64 bits
      if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0) {
        throw new CommandException(INVALID_CURSOR);
      }
      v = v * 10 + d;
    }
    return negative ? -v : v;
  }

  /** Options from argument {@code from}; TYPE only for SCAN, NOVALUES only for HSCAN. */
  static Options parseOptions(CommandContext ctx, int from, boolean keyScan) {
    Request rq = ctx.request();
    int argc = rq.argc();
    byte[] pattern = null;
    long count = DEFAULT_SCAN_COUNT;
    String typeName = null;
    boolean noValues = false;
    for (int i = from; i < argc; ) {
      boolean hasValue = i + 1 < argc;
      if (hasValue && rq.equalsIgnoreCase(i, COUNT)) {
        count = StringCommands.argLong(ctx, i + 1);
        if (count < 1) {
          throw new CommandException(Errors.SYNTAX);
        }
        i += 2;
      } else if (hasValue && rq.equalsIgnoreCase(i, MATCH)) {
        pattern = rq.bytes(i + 1);
        i += 2;
      } else if (keyScan && hasValue && rq.equalsIgnoreCase(i, TYPE)) {
        typeName = rq.string(i + 1);
        i += 2;
      } else if (!keyScan && rq.equalsIgnoreCase(i, NOVALUES)) {
        noValues = true;
        i++;
      } else {
        throw new CommandException(Errors.SYNTAX);
      }
    }
    if (pattern != null && pattern.length == 1 && pattern[0] == '*') {
      pattern = null;
    }
    return new Options(pattern, (int) Math.min(count, Integer.MAX_VALUE), typeName, noValues);
  }

  static void scan(CommandContext ctx) {
    Request rq = ctx.request();
    long cursor = parseCursor(rq, 1);
    Options options = parseOptions(ctx, 2, true);
    List<byte[]> found = new ArrayList<>();
    long next = ctx.keyspace().scan(ctx.db(), cursor, options.count(), (key, off, len, type) -> {
      if ((options.typeName() == null || type.typeName().equalsIgnoreCase(options.typeName()))
          && options.matches(key, off, len)) {
        found.add(java.util.Arrays.copyOfRange(key, off, off + len));
      }
    });
    dropExpired(ctx, found);
    ctx.replyArrayHeader(2);
    ctx.replyBulk(Long.toUnsignedString(next));
    ctx.replyArrayHeader(found.size());
    for (byte[] key : found) {
      ctx.replyBulk(key);
    }
  }

  static void keys(CommandContext ctx) {
    Request rq = ctx.request();
    byte[] pattern = rq.bytes(1);
    Keyspace ks = ctx.keyspace();
    List<byte[]> found = new ArrayList<>();
    if (GlobMatcher.isLiteral(pattern)) {
      if (ks.lookup(ctx.db(), pattern, 0, pattern.length, Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS) != Keyspace.NONE) {
        found.add(pattern);
      }
    } else {
      boolean all = pattern.length == 1 && pattern[0] == '*';
      long cursor = 0;
      do {
        cursor = ks.scan(ctx.db(), cursor, KEYS_STEP_COUNT, (key, off, len, type) -> {
          if (all || GlobMatcher.matches(pattern, 0, pattern.length, key, off, len, false)) {
            found.add(java.util.Arrays.copyOfRange(key, off, off + len));
          }
        });
      } while (cursor != 0);
      dropExpired(ctx, found);
    }
    ctx.replyArrayHeader(found.size());
    for (byte[] key : found) {
      ctx.replyBulk(key);
    }
  }

  /** Removes keys that are no longer live (and lets the engine reclaim them). */
  private static void dropExpired(CommandContext ctx, List<byte[]> keys) {
    Keyspace ks = ctx.keyspace();
    keys.removeIf(k -> ks.lookup(ctx.db(), k, 0, k.length, Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS) == Keyspace.NONE);
  }
}
