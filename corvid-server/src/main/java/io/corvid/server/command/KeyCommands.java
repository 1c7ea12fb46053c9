package io.corvid.server.command;

import io.corvid.resp.Request;
import io.corvid.server.command.data.RedisIntegers;
import io.corvid.storage.Keyspace;

/**
 * Commands on keys whatever their type, as Redis's {@code db.c} and {@code expire.c}: deletion,
 * existence, type, expiry, iteration, renaming, copying and flushing.
 *
 * <p>Lookups that Redis makes without touching the key (EXISTS, TYPE, TTL and friends) pass
 * {@link Keyspace#LOOKUP_NOTOUCH}, so inspecting a key does not change its eviction rank. Writes
 * look up with {@link Keyspace#LOOKUP_NOSTATS}, as Redis's lookupKeyWrite counts no hit or miss.
 */
public final class KeyCommands {
  private KeyCommands() {}

  static final String SAME_OBJECT = "ERR source and destination objects are the same";
  static final String NX_XX_GT_LT = "ERR NX and XX, GT or LT options at the same time are not compatible";
  static final String GT_AND_LT = "ERR GT and LT options at the same time are not compatible";
  static final String UNSUPPORTED_OPTION_PREFIX = "ERR Unsupported option ";

  private static final byte[] NX = {'N', 'X'};
  private static final byte[] XX = {'X', 'X'};
  private static final byte[] GT = {'G', 'T'};
  private static final byte[] LT = {'L', 'T'};
  private static final byte[] DB = {'D', 'B'};
  private static final byte[] REPLACE = {'R', 'E', 'P', 'L', 'A', 'C', 'E'};
  private static final byte[] ASYNC = {'A', 'S', 'Y', 'N', 'C'};
  private static final byte[] SYNC = {'S', 'Y', 'N', 'C'};

  /** Units of the EXPIRE family: relative or absolute, seconds or milliseconds. */
  private static final int SECONDS = 1;
  private static final int RELATIVE = 2;

  public static void register(CommandRegistry registry) {
    registry.register("del", KeyCommands::del);
    registry.register("unlink", KeyCommands::del);
    registry.register("exists", KeyCommands::exists);
    registry.register("type", KeyCommands::type);
    registry.register("touch", KeyCommands::touch);
    registry.register("expire", ctx -> expire(ctx, SECONDS | RELATIVE));
    registry.register("pexpire", ctx -> expire(ctx, RELATIVE));
    registry.register("expireat", ctx -> expire(ctx, SECONDS));
    registry.register("pexpireat", ctx -> expire(ctx, 0));
    registry.register("ttl", ctx -> ttl(ctx, false, false));
    registry.register("pttl", ctx -> ttl(ctx, true, false));
    registry.register("expiretime", ctx -> ttl(ctx, false, true));
    registry.register("pexpiretime", ctx -> ttl(ctx, true, true));
    registry.register("persist", KeyCommands::persist);
    registry.register("keys", KeyScan::keys);
    registry.register("scan", KeyScan::scan);
    registry.register("randomkey", KeyCommands::randomkey);
    registry.register("rename", ctx -> rename(ctx, false));
    registry.register("renamenx", ctx -> rename(ctx, true));
    registry.register("copy", KeyCommands::copy);
    registry.register("move", KeyCommands::move);
    registry.register("dbsize", ctx -> ctx.replyInteger(ctx.keyspace().size(ctx.db())));
    registry.register("flushdb", ctx -> flush(ctx, false));
    registry.register("flushall", ctx -> flush(ctx, true));
  }

  private static long lookup(CommandContext ctx, int i, int flags) {
    Request rq = ctx.request();
    return ctx.keyspace().lookup(ctx.db(), rq.buffer(), rq.offset(i), rq.length(i), flags);
  }

  private static boolean delete(CommandContext ctx, int i) {
    Request rq = ctx.request();
    return ctx.keyspace().delete(ctx.db(), rq.buffer(), rq.offset(i), rq.length(i));
  }

  // ------------------------------------------------------------------ existence

  /** DEL and UNLINK: values are freed by the engine, so UNLINK has nothing to defer. */
  static void del(CommandContext ctx) {
    int deleted = 0;
    for (int i = 1; i < ctx.argc(); i++) {
      if (delete(ctx, i)) {
        deleted++;
      }
    }
    ctx.replyInteger(deleted);
  }

  /** Counts a key once per mention, as Redis does. */
  static void exists(CommandContext ctx) {
    int found = 0;
    for (int i = 1; i < ctx.argc(); i++) {
      if (lookup(ctx, i, Keyspace.LOOKUP_NOTOUCH) != Keyspace.NONE) {
        found++;
      }
    }
    ctx.replyInteger(found);
  }

  static void type(CommandContext ctx) {
    long ref = lookup(ctx, 1, Keyspace.LOOKUP_NOTOUCH);
    ctx.replySimple(ref == Keyspace.NONE ? "none" : ctx.keyspace().type(ref).typeName());
  }

  static void touch(CommandContext ctx) {
    int found = 0;
    for (int i = 1; i < ctx.argc(); i++) {
      if (lookup(ctx, i, 0) != Keyspace.NONE) {
        found++;
      }
    }
    ctx.replyInteger(found);
  }

  static void randomkey(CommandContext ctx) {
    long ref = ctx.keyspace().randomKey(ctx.db());
    if (ref == Keyspace.NONE) {
      ctx.replyNull();
    } else {
      ctx.replyBulk(ctx.keyspace().keyBytes(ref));
    }
  }

  // ------------------------------------------------------------------ expiry

  /** Redis's expireGenericCommand: options, then the time, then the key. */
  static void expire(CommandContext ctx, int unit) {
    Request rq = ctx.request();
    boolean nx = false;
    boolean xx = false;
    boolean gt = false;
    boolean lt = false;
    for (int j = 3; j < ctx.argc(); j++) {
      if (rq.equalsIgnoreCase(j, NX)) {
        nx = true;
      } else if (rq.equalsIgnoreCase(j, XX)) {
        xx = true;
      } else if (rq.equalsIgnoreCase(j, GT)) {
        gt = true;
      } else if (rq.equalsIgnoreCase(j, LT)) {
        lt = true;
      } else {
        throw new CommandException(UNSUPPORTED_OPTION_PREFIX + rq.string(j));
      }
    }
    if (nx && (xx || gt || lt)) {
      throw new CommandException(NX_XX_GT_LT);
    }
    if (gt && lt) {
      throw new CommandException(GT_AND_LT);
    }
    long when = RedisIntegers.parse(rq.buffer(), rq.offset(2), rq.length(2), Errors.NOT_INTEGER);
    if ((unit & SECONDS) != 0) {
      if (when > Long.MAX_VALUE / 1000 || when < Long.MIN_VALUE / 1000) {
        throw new CommandException(Errors.invalidExpire(ctx.commandName()));
      }
      when *= 1000;
    }
    long now = ctx.clock().currentTimeMillis();
    long base = (unit & RELATIVE) != 0 ? now : 0;
    if (when > Long.MAX_VALUE - base) {
      throw new CommandException(Errors.invalidExpire(ctx.commandName()));
    }
    when += base;

    long ref = lookup(ctx, 1, Keyspace.LOOKUP_NOSTATS);
    if (ref == Keyspace.NONE) {
      ctx.replyInteger(0);
      return;
    }
    long current = ctx.keyspace().expireAt(ref);
    boolean persistent = current == Keyspace.NO_EXPIRY;
    if (nx && !persistent
        || xx && persistent
        || gt && (persistent || when <= current) // no expiry counts as infinite
        || lt && !persistent && when >= current) {
      ctx.replyInteger(0);
      return;
    }
    if (when <= now) {
      delete(ctx, 1);
    } else {
      ctx.keyspace().setExpire(ctx.db(), rq.buffer(), rq.offset(1), rq.length(1), when);
    }
    ctx.replyInteger(1);
  }

  /** TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 absent, -1 persistent; seconds are rounded. */
  static void ttl(CommandContext ctx, boolean millis, boolean absolute) {
    long ref = lookup(ctx, 1, Keyspace.LOOKUP_NOTOUCH);
    if (ref == Keyspace.NONE) {
      ctx.replyInteger(-2);
      return;
    }
    long expireAt = ctx.keyspace().expireAt(ref);
    if (expireAt == Keyspace.NO_EXPIRY) {
      ctx.replyInteger(-1);
      return;
    }
    long t = absolute ? expireAt : Math.max(0, expireAt - ctx.clock().currentTimeMillis());
    ctx.replyInteger(millis ? t : (t + 500) / 1000);
  }

  static void persist(CommandContext ctx) {
    long ref = lookup(ctx, 1, Keyspace.LOOKUP_NOSTATS);
    if (ref == Keyspace.NONE || ctx.keyspace().expireAt(ref) == Keyspace.NO_EXPIRY) {
      ctx.replyInteger(0);
      return;
    }
    Request rq = ctx.request();
    ctx.keyspace().setExpire(ctx.db(), rq.buffer(), rq.offset(1), rq.length(1), Keyspace.NO_EXPIRY);
    ctx.replyInteger(1);
  }

  // ------------------------------------------------------------------ rename, copy, move

  static void rename(CommandContext ctx, boolean nx) {
    Request rq = ctx.request();
    byte[] buf = rq.buffer();
    boolean sameKey = java.util.Arrays.equals(buf, rq.offset(1), rq.offset(1) + rq.length(1),
        buf, rq.offset(2), rq.offset(2) + rq.length(2));
    if (lookup(ctx, 1, Keyspace.LOOKUP_NOSTATS) == Keyspace.NONE) {
      throw new CommandException(Errors.NO_SUCH_KEY);
    }
    if (sameKey) {
      replyRenamed(ctx, nx, false); // RENAME answers OK, RENAMENX 0
      return;
    }
    if (nx && lookup(ctx, 2, Keyspace.LOOKUP_NOSTATS) != Keyspace.NONE) {
      ctx.replyInteger(0);
      return;
    }
    ctx.keyspace().rename(ctx.db(), buf, rq.offset(1), rq.length(1), buf, rq.offset(2), rq.length(2));
    replyRenamed(ctx, nx, true);
  }

  private static void replyRenamed(CommandContext ctx, boolean nx, boolean renamed) {
    if (nx) {
      ctx.replyInteger(renamed ? 1 : 0);
    } else {
      ctx.replyOk();
    }
  }

  static void copy(CommandContext ctx) {
    Request rq = ctx.request();
    int dstDb = ctx.db();
    boolean replace = false;
    for (int j = 3; j < ctx.argc(); j++) {
      if (rq.equalsIgnoreCase(j, REPLACE)) {
        replace = true;
      } else if (rq.equalsIgnoreCase(j, DB) && j + 1 < ctx.argc()) {
        dstDb = dbIndex(ctx, ++j);
        if (dstDb != 0 && ctx.server().clusterEnabled()) {
          throw new CommandException("ERR Copying to another database is not allowed in cluster mode");
        }
      } else {
        throw new CommandException(Errors.SYNTAX);
      }
    }
    byte[] buf = rq.buffer();
    if (dstDb == ctx.db() && java.util.Arrays.equals(buf, rq.offset(1), rq.offset(1) + rq.length(1),
        buf, rq.offset(2), rq.offset(2) + rq.length(2))) {
      throw new CommandException(SAME_OBJECT);
    }
    boolean copied = ctx.keyspace().copy(ctx.db(), buf, rq.offset(1), rq.length(1),
        dstDb, buf, rq.offset(2), rq.length(2), replace);
    ctx.replyInteger(copied ? 1 : 0);
  }

  static void move(CommandContext ctx) {
    if (ctx.server().clusterEnabled()) {
      throw new CommandException("ERR MOVE is not allowed in cluster mode");
    }
    int dstDb = dbIndex(ctx, 2);
    if (dstDb == ctx.db()) {
      throw new CommandException(SAME_OBJECT);
    }
    Request rq = ctx.request();
    boolean moved = ctx.keyspace().move(ctx.db(), rq.buffer(), rq.offset(1), rq.length(1), dstDb);
    ctx.replyInteger(moved ? 1 : 0);
  }

  /** A database index argument: an int, then within range. */
  private static int dbIndex(CommandContext ctx, int i) {
    Request rq = ctx.request();
    long id = RedisIntegers.parse(rq.buffer(), rq.offset(i), rq.length(i), Errors.NOT_INTEGER);
    if (id < Integer.MIN_VALUE || id > Integer.MAX_VALUE) {
      throw new CommandException(Errors.NOT_INTEGER);
    }
    if (id < 0 || id >= ctx.keyspace().databases()) {
      throw new CommandException(Errors.DB_INDEX_OUT_OF_RANGE);
    }
    return (int) id;
  }

  // ------------------------------------------------------------------ flush

  /** FLUSHDB / FLUSHALL [ASYNC|SYNC]: the engine frees memory at once either way. */
  static void flush(CommandContext ctx, boolean all) {
    if (ctx.argc() > 2 || ctx.argc() == 2 && !ctx.request().equalsIgnoreCase(1, ASYNC)
        && !ctx.request().equalsIgnoreCase(1, SYNC)) {
      throw new CommandException(Errors.SYNTAX);
    }
    if (all) {
      ctx.keyspace().flushAll();
    } else {
      ctx.keyspace().flush(ctx.db());
    }
    ctx.replyOk();
  }
}
