package io.corvid.server.command;

import io.corvid.resp.Request;
import io.corvid.server.command.data.RedisIntegers;
import io.corvid.storage.EntryFormatException;
import io.corvid.storage.Keyspace;

/**
 * DUMP and RESTORE, as Redis's {@code cluster.c} (where Redis keeps them) with Corvid's own payload
 * ({@link io.corvid.storage.EntryFormat}: version byte, type, value, CRC32C), not RDB: a payload
 * moves between Corvid nodes, not between Corvid and Redis. The same entry format carries slots
 * between cluster nodes.
 *
 * <p>RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency], with Redis
 * 7's checks in Redis's order: options (syntax, IDLETIME and FREQ ranges, not both), BUSYKEY, the
 * TTL, then the payload's version and checksum, then its structure.
 */
public final class DumpCommands {
  private DumpCommands() {}

  static final String BUSYKEY = "BUSYKEY Target key name already exists.";
  static final String BAD_PAYLOAD = "ERR DUMP payload version or checksum are wrong";
  static final String BAD_FORMAT = "ERR Bad data format";
  static final String INVALID_TTL = "ERR Invalid TTL value, must be >= 0";
  static final String INVALID_IDLETIME = "ERR Invalid IDLETIME value, must be >= 0";
  static final String INVALID_FREQ = "ERR Invalid FREQ value, must be >= 0 and <= 255";

  private static final byte[] REPLACE = {'R', 'E', 'P', 'L', 'A', 'C', 'E'};
  private static final byte[] ABSTTL = {'A', 'B', 'S', 'T', 'T', 'L'};
  private static final byte[] IDLETIME = {'I', 'D', 'L', 'E', 'T', 'I', 'M', 'E'};
  private static final byte[] FREQ = {'F', 'R', 'E', 'Q'};

  public static void register(CommandRegistry registry) {
    registry.register("dump", DumpCommands::dump);
    registry.register("restore", DumpCommands::restore);
  }

  static void dump(CommandContext ctx) {
    Request rq = ctx.request();
    long ref = ctx.keyspace().lookup(ctx.db(), rq.buffer(), rq.offset(1), rq.length(1), 0);
    if (ref == Keyspace.NONE) {
      ctx.replyNull();
      return;
    }
    ctx.replyBulk(ctx.keyspace().dump(ref));
  }

  static void restore(CommandContext ctx) {
    Request rq = ctx.request();
    boolean replace = false;
    boolean absTtl = false;
    long idle = -1;
    long freq = -1;
    for (int j = 4; j < ctx.argc(); j++) {
      boolean hasValue = j + 1 < ctx.argc();
      if (rq.equalsIgnoreCase(j, REPLACE)) {
        replace = true;
      } else if (rq.equalsIgnoreCase(j, ABSTTL)) {
        absTtl = true;
      } else if (rq.equalsIgnoreCase(j, IDLETIME) && hasValue && freq == -1) {
        idle = RedisIntegers.parse(rq.buffer(), rq.offset(j + 1), rq.length(j + 1), Errors.NOT_INTEGER);
        if (idle < 0) {
          throw new CommandException(INVALID_IDLETIME);
        }
        j++;
      } else if (rq.equalsIgnoreCase(j, FREQ) && hasValue && idle == -1) {
        freq = RedisIntegers.parse(rq.buffer(), rq.offset(j + 1), rq.length(j + 1), Errors.NOT_INTEGER);
        if (freq < 0 || freq > 255) {
          throw new CommandException(INVALID_FREQ);
        }
        j++;
      } else {
        throw new CommandException(Errors.SYNTAX);
      }
    }
    Keyspace ks = ctx.keyspace();
    byte[] buf = rq.buffer();
    if (!replace && ks.lookup(ctx.db(), buf, rq.offset(1), rq.length(1), Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS)
        != Keyspace.NONE) {
      throw new CommandException(BUSYKEY);
    }
    long ttl = RedisIntegers.parse(buf, rq.offset(2), rq.length(2), Errors.NOT_INTEGER);
    if (ttl < 0) {
      throw new CommandException(INVALID_TTL);
    }
    long expireAt = Keyspace.NO_EXPIRY;
    if (ttl > 0) {
      expireAt = absTtl ? ttl : saturatedAdd(ctx.clock().currentTimeMillis(), ttl);
    }
    try {
      boolean done = ks.restore(ctx.db(), buf, rq.offset(1), rq.length(1), buf, rq.offset(3), rq.length(3),
          expireAt, replace, idle, (int) freq);
      if (!done) {
        throw new CommandException(BUSYKEY);
      }
    } catch (EntryFormatException e) {
      throw new CommandException(e.versionOrChecksum() ? BAD_PAYLOAD : BAD_FORMAT);
    }
    ctx.replyOk();
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
