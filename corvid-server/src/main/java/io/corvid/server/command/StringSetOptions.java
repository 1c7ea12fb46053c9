package io.corvid.server.command;

import io.corvid.resp.Request;

/**
 * Options of SET and GETEX (Redis's parseExtendedStringArgumentsOrReply), packed into an int so
 * that parsing allocates nothing: flag bits in the low half, the index of the expire argument in
 * the high half. Conflicts are syntax errors exactly where Redis finds them: NX with XX, KEEPTTL or
 * PERSIST with any expiry, two different expiry units. Repeating the same option is allowed.
 */
final class StringSetOptions {
  static final int NX = 1;
  static final int XX = 1 << 1;
  static final int GET = 1 << 2;
  static final int KEEPTTL = 1 << 3;
  static final int PERSIST = 1 << 4;
  static final int EX = 1 << 5;
  static final int PX = 1 << 6;
  static final int EXAT = 1 << 7;
  static final int PXAT = 1 << 8;
  static final int UNITS = EX | PX | EXAT | PXAT;
  private static final int ARG_SHIFT = 16;

  private static final byte[] NX_TOKEN = {'N', 'X'};
  private static final byte[] XX_TOKEN = {'X', 'X'};
  private static final byte[] GET_TOKEN = {'G', 'E', 'T'};
  private static final byte[] KEEPTTL_TOKEN = {'K', 'E', 'E', 'P', 'T', 'T', 'L'};
  private static final byte[] PERSIST_TOKEN = {'P', 'E', 'R', 'S', 'I', 'S', 'T'};
  private static final byte[] EX_TOKEN = {'E', 'X'};
  private static final byte[] PX_TOKEN = {'P', 'X'};
  private static final byte[] EXAT_TOKEN = {'E', 'X', 'A', 'T'};
  private static final byte[] PXAT_TOKEN = {'P', 'X', 'A', 'T'};

  private StringSetOptions() {}

  static int expireArg(int index) {
    return index << ARG_SHIFT;
  }

  static int unit(int options) {
    return options & UNITS;
  }

  /** Parses options from argument {@code from}; {@code forSet} is SET, otherwise GETEX. */
  static int parse(CommandContext ctx, int from, boolean forSet) {
    Request rq = ctx.request();
    int argc = rq.argc();
    int flags = 0;
    for (int j = from; j < argc; j++) {
      boolean hasNext = j + 1 < argc;
      if (forSet && rq.equalsIgnoreCase(j, NX_TOKEN) && (flags & XX) == 0) {
        flags |= NX;
      } else if (forSet && rq.equalsIgnoreCase(j, XX_TOKEN) && (flags & NX) == 0) {
        flags |= XX;
      } else if (forSet && rq.equalsIgnoreCase(j, GET_TOKEN)) {
        flags |= GET;
      } else if (forSet && rq.equalsIgnoreCase(j, KEEPTTL_TOKEN) && (flags & UNITS) == 0) {
        flags |= KEEPTTL;
      } else if (!forSet && rq.equalsIgnoreCase(j, PERSIST_TOKEN) && (flags & UNITS) == 0) {
        flags |= PERSIST;
      } else if (hasNext && (flags & (KEEPTTL | PERSIST)) == 0 && unitToken(rq, j) != 0
          && (flags & UNITS & ~unitToken(rq, j)) == 0) {
        flags = (flags & 0xFFFF) | unitToken(rq, j) | expireArg(j + 1);
        j++;
      } else {
        throw new CommandException(Errors.SYNTAX);
      }
    }
    return flags;
  }

  private static int unitToken(Request rq, int j) {
    if (rq.equalsIgnoreCase(j, EX_TOKEN)) {
      return EX;
    } else if (rq.equalsIgnoreCase(j, PX_TOKEN)) {
      return PX;
    } else if (rq.equalsIgnoreCase(j, EXAT_TOKEN)) {
      return EXAT;
    } else if (rq.equalsIgnoreCase(j, PXAT_TOKEN)) {
      return PXAT;
    }
    return 0;
  }

  /**
   * The absolute expiry in Unix ms the options ask for, or {@code Keyspace.NO_EXPIRY} when none
   * (Redis's getExpireMillisecondsOrReply): zero, negative and overflowing times are
   * "invalid expire time in '<command>' command".
   */
  static long expireAt(CommandContext ctx, int options) {
    int unit = unit(options);
    if (unit == 0) {
      return io.corvid.storage.Keyspace.NO_EXPIRY;
    }
    int arg = options >>> ARG_SHIFT;
    Request rq = ctx.request();
    long t = io.corvid.server.command.data.RedisIntegers.parse(rq.buffer(), rq.offset(arg), rq.length(arg), Errors.NOT_INTEGER);
    boolean seconds = unit == EX || unit == EXAT;
    if (t <= 0 || seconds && t > Long.MAX_VALUE / 1000) {
      throw new CommandException(Errors.invalidExpire(ctx.commandName()));
    }
    if (seconds) {
      t *= 1000;
    }
    if (unit == EX || unit == PX) {
      t += ctx.clock().currentTimeMillis(); // may wrap negative: caught below, as in Redis
    }
    if (t <= 0) {
      throw new CommandException(Errors.invalidExpire(ctx.commandName()));
    }
    return t;
  }
}
