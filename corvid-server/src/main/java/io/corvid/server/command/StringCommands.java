package io.corvid.server.command;

import io.corvid.resp.Request;
import io.corvid.server.command.data.LongDoubles;
import io.corvid.server.command.data.RedisIntegers;
import io.corvid.server.command.data.StringValues;
import io.corvid.storage.Keyspace;
import io.corvid.storage.ValueType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * String commands, as Redis's {@code t_string.c}: GET and SET with their variants, counters,
 * APPEND and ranges. Keys and values go to the keyspace as slices of the request buffer; values
 * come back straight into the reply buffer ({@link StringValues}).
 *
 * <p>Each command validates in Redis's order, which is what decides the error a client sees when
 * several things are wrong: usually options first, then the key's type (so a bad option is a
 * syntax error even on a hash), with exceptions kept as Redis has them (GETEX answers null for an
 * absent key before looking at its expire time). Commands that rewrite a string in place in Redis
 * (INCR, APPEND, SETRANGE) keep the key's TTL here too.
 *
 * <p>APPEND and SETRANGE rebuild the whole value and store it with {@link Keyspace#setString}: the
 * engine has no in-place append, so each call costs O(length) rather than Redis's amortised O(1).
 */
public final class StringCommands {
  private StringCommands() {}

  static final String DECREMENT_OVERFLOW = "ERR decrement would overflow";
  /** A Java array cannot hold more, whatever proto-max-bulk-len allows. */
  static final long MAX_JAVA_STRING_BYTES = Integer.MAX_VALUE - 16;

  public static void register(CommandRegistry registry) {
    registry.register("get", StringCommands::get);
    registry.register("set", StringCommands::set);
    registry.register("setnx", StringCommands::setnx);
    registry.register("setex", ctx -> setWithExpire(ctx, StringSetOptions.EX));
    registry.register("psetex", ctx -> setWithExpire(ctx, StringSetOptions.PX));
    registry.register("getset", StringCommands::getset);
    registry.register("getdel", StringCommands::getdel);
    registry.register("getex", StringCommands::getex);
    registry.register("mget", StringCommands::mget);
    registry.register("mset", ctx -> mset(ctx, false));
    registry.register("msetnx", ctx -> mset(ctx, true));
    registry.register("incr", ctx -> incrBy(ctx, 1));
    registry.register("decr", ctx -> incrBy(ctx, -1));
    registry.register("incrby", ctx -> incrBy(ctx, argLong(ctx, 2)));
    registry.register("decrby", StringCommands::decrby);
    registry.register("incrbyfloat", StringCommands::incrbyfloat);
    registry.register("append", StringCommands::append);
    registry.register("strlen", StringCommands::strlen);
    registry.register("getrange", StringCommands::getrange);
    registry.register("substr", StringCommands::getrange);
    registry.register("setrange", StringCommands::setrange);
  }

  // ------------------------------------------------------------------ shared helpers

  /** The live entry of argument i's key when it holds a string, NONE when absent; WRONGTYPE otherwise. */
  static long lookupString(CommandContext ctx, int i, int flags) {
    Request rq = ctx.request();
    long ref = ctx.keyspace().lookup(ctx.db(), rq.buffer(), rq.offset(i), rq.length(i), flags);
    if (ref != Keyspace.NONE && ctx.keyspace().type(ref) != ValueType.STRING) {
      throw new CommandException(Errors.WRONGTYPE);
    }
    return ref;
  }

  /** Looks up argument i's key for a write: no hit/miss statistics, as Redis's lookupKeyWrite. */
  static long lookupForWrite(CommandContext ctx, int i) {
    Request rq = ctx.request();
    return ctx.keyspace().lookup(ctx.db(), rq.buffer(), rq.offset(i), rq.length(i), Keyspace.LOOKUP_NOSTATS);
  }

  static long argLong(CommandContext ctx, int i) {
    Request rq = ctx.request();
    return RedisIntegers.parse(rq.buffer(), rq.offset(i), rq.length(i), Errors.NOT_INTEGER);
  }

  /** Sets argument keyIndex's key to argument valueIndex's bytes. */
  private static void setFromArgs(CommandContext ctx, int keyIndex, int valueIndex, long expireAt, boolean keepTtl) {
    Request rq = ctx.request();
    byte[] buf = rq.buffer();
    ctx.keyspace().setString(ctx.db(), buf, rq.offset(keyIndex), rq.length(keyIndex),
        buf, rq.offset(valueIndex), rq.length(valueIndex), expireAt, keepTtl);
  }

  /** Replaces argument 1's string value with {@code value}, keeping its TTL. */
  private static void replaceValue(CommandContext ctx, byte[] value, int len) {
    Request rq = ctx.request();
    ctx.keyspace().setString(ctx.db(), rq.buffer(), rq.offset(1), rq.length(1), value, 0, len, Keyspace.NO_EXPIRY, true);
  }

  /** Writes the value of a string entry, or the null reply for NONE. */
  private static void replyValue(CommandContext ctx, long ref) {
    if (ref == Keyspace.NONE) {
      ctx.replyNull();
    } else {
      StringValues.writeBulk(ctx.keyspace(), ref, ctx.out());
    }
  }

  // ------------------------------------------------------------------ GET / SET family

  static void get(CommandContext ctx) {
    replyValue(ctx, lookupString(ctx, 1, 0));
  }

  static void set(CommandContext ctx) {
    int options = StringSetOptions.parse(ctx, 3, true);
    long expireAt = StringSetOptions.expireAt(ctx, options);
    boolean withGet = (options & StringSetOptions.GET) != 0;
    long ref;
    if (withGet) {
      ref = lookupString(ctx, 1, 0);
      replyValue(ctx, ref); // reads never invalidate ref
    } else if ((options & (StringSetOptions.NX | StringSetOptions.XX)) != 0) {
      ref = lookupForWrite(ctx, 1);
    } else {
      ref = Keyspace.NONE; // a plain SET needs no lookup: setString replaces whatever is there
    }
    boolean found = ref != Keyspace.NONE;
    if ((options & StringSetOptions.NX) != 0 && found || (options & StringSetOptions.XX) != 0 && !found) {
      if (!withGet) {
        ctx.replyNull();
      }
      return;
    }
    setFromArgs(ctx, 1, 2, expireAt, (options & StringSetOptions.KEEPTTL) != 0);
    if (!withGet) {
      ctx.replyOk();
    }
  }

  static void setnx(CommandContext ctx) {
    if (lookupForWrite(ctx, 1) != Keyspace.NONE) {
      ctx.replyInteger(0);
      return;
    }
    setFromArgs(ctx, 1, 2, Keyspace.NO_EXPIRY, false);
    ctx.replyInteger(1);
  }

  /** SETEX key seconds value, PSETEX key milliseconds value. */
  private static void setWithExpire(CommandContext ctx, int unit) {
    long expireAt = StringSetOptions.expireAt(ctx, unit | StringSetOptions.expireArg(2));
    setFromArgs(ctx, 1, 3, expireAt, false);
    ctx.replyOk();
  }

  static void getset(CommandContext ctx) {
    replyValue(ctx, lookupString(ctx, 1, 0));
    setFromArgs(ctx, 1, 2, Keyspace.NO_EXPIRY, false);
  }

  static void getdel(CommandContext ctx) {
    long ref = lookupString(ctx, 1, 0);
    replyValue(ctx, ref);
    if (ref != Keyspace.NONE) {
      Request rq = ctx.request();
      ctx.keyspace().delete(ctx.db(), rq.buffer(), rq.offset(1), rq.length(1));
    }
  }

  static void getex(CommandContext ctx) {
    int options = StringSetOptions.parse(ctx, 2, false);
    long ref = lookupString(ctx, 1, 0);
    if (ref == Keyspace.NONE) {
      ctx.replyNull(); // before the expire time is checked, as Redis does
      return;
    }
    long expireAt = StringSetOptions.expireAt(ctx, options);
    replyValue(ctx, ref);
    Request rq = ctx.request();
    Keyspace ks = ctx.keyspace();
    if (StringSetOptions.unit(options) != 0) {
      if (expireAt <= ctx.clock().currentTimeMillis()) {
        ks.delete(ctx.db(), rq.buffer(), rq.offset(1), rq.length(1));
      } else {
        ks.setExpire(ctx.db(), rq.buffer(), rq.offset(1), rq.length(1), expireAt);
      }
    } else if ((options & StringSetOptions.PERSIST) != 0 && ks.expireAt(ref) != Keyspace.NO_EXPIRY) {
      ks.setExpire(ctx.db(), rq.buffer(), rq.offset(1), rq.length(1), Keyspace.NO_EXPIRY);
    }
  }

  static void mget(CommandContext ctx) {
    int n = ctx.argc() - 1;
    ctx.replyArrayHeader(n);
    Request rq = ctx.request();
    Keyspace ks = ctx.keyspace();
    for (int i = 1; i <= n; i++) {
      long ref = ks.lookup(ctx.db(), rq.buffer(), rq.offset(i), rq.length(i), 0);
      if (ref == Keyspace.NONE || ks.type(ref) != ValueType.STRING) {
        ctx.replyNull();
      } else {
        StringValues.writeBulk(ks, ref, ctx.out());
      }
    }
  }

  static void mset(CommandContext ctx, boolean onlyIfNoneExists) {
    int argc = ctx.argc();
    if (argc % 2 == 0) {
      throw new CommandException(Errors.wrongArity(ctx.commandName()));
    }
    if (onlyIfNoneExists) {
      for (int i = 1; i < argc; i += 2) {
        if (lookupForWrite(ctx, i) != Keyspace.NONE) {
          ctx.replyInteger(0);
          return;
        }
      }
    }
    for (int i = 1; i < argc; i += 2) {
      setFromArgs(ctx, i, i + 1, Keyspace.NO_EXPIRY, false);
    }
    if (onlyIfNoneExists) {
      ctx.replyInteger(1);
    } else {
      ctx.replyOk();
    }
  }

  // ------------------------------------------------------------------ counters

  private static void decrby(CommandContext ctx) {
    long decrement = argLong(ctx, 2);
    if (decrement == Long.MIN_VALUE) {
      throw new CommandException(DECREMENT_OVERFLOW);
    }
    incrBy(ctx, -decrement);
  }

  static void incrBy(CommandContext ctx, long increment) {
    long ref = lookupString(ctx, 1, Keyspace.LOOKUP_NOSTATS);
    long current = 0;
    if (ref != Keyspace.NONE) {
      current = storedLong(ctx.keyspace(), ref, Errors.NOT_INTEGER);
    }
    if (increment < 0 && current < 0 && increment < Long.MIN_VALUE - current
        || increment > 0 && current > 0 && increment > Long.MAX_VALUE - current) {
      throw new CommandException(Errors.OVERFLOW);
    }
    long result = current + increment;
    byte[] digits = DIGITS.get();
    replaceValue(ctx, digits, RedisIntegers.format(result, digits));
    ctx.replyInteger(result);
  }

  /** Per-thread room for a counter's digits, so INCR allocates nothing. */
  private static final ThreadLocal<byte[]> DIGITS = ThreadLocal.withInitial(() -> new byte[RedisIntegers.MAX_LONG_CHARS]);

  /** A stored string parsed as Redis's string2ll, or {@code error}. */
  static long storedLong(Keyspace ks, long ref, String error) {
    int len = ks.stringLength(ref);
    if (len == 0 || len > RedisIntegers.MAX_LONG_CHARS) {
      throw new CommandException(error);
    }
    byte[] digits = DIGITS.get();
    ks.copyString(ref, 0, digits, 0, len);
    return RedisIntegers.parse(digits, 0, len, error);
  }

  static void incrbyfloat(CommandContext ctx) {
    long ref = lookupString(ctx, 1, Keyspace.LOOKUP_NOSTATS);
    BigDecimal current = BigDecimal.ZERO;
    if (ref != Keyspace.NONE) {
      byte[] stored = ctx.keyspace().stringBytes(ref);
      current = LongDoubles.parse(stored, 0, stored.length);
    }
    Request rq = ctx.request();
    BigDecimal increment = LongDoubles.parse(rq.buffer(), rq.offset(2), rq.length(2));
    if (current == null || increment == null) {
      throw new CommandException(Errors.NOT_FLOAT);
    }
    BigDecimal sum = LongDoubles.add(current, increment);
    if (sum == null) {
      throw new CommandException(Errors.INCR_NAN_OR_INF);
    }
    byte[] text = LongDoubles.format(sum).getBytes(StandardCharsets.US_ASCII);
    replaceValue(ctx, text, text.length);
    ctx.replyBulk(text);
  }

  // ------------------------------------------------------------------ APPEND, STRLEN, ranges

  static void append(CommandContext ctx) {
    long ref = lookupString(ctx, 1, Keyspace.LOOKUP_NOSTATS);
    Request rq = ctx.request();
    int addLen = rq.length(2);
    if (ref == Keyspace.NONE) {
      setFromArgs(ctx, 1, 2, Keyspace.NO_EXPIRY, false);
      ctx.replyInteger(addLen);
      return;
    }
    Keyspace ks = ctx.keyspace();
    int oldLen = ks.stringLength(ref);
    checkStringLength(ctx, oldLen, addLen);
    if (addLen == 0) {
      ctx.replyInteger(oldLen);
      return;
    }
    // In place, with sds-like room to grow: repeated APPENDs are amortised O(appended bytes).
    int newLen = ks.writeString(ctx.db(), rq.buffer(), rq.offset(1), rq.length(1), oldLen,
        rq.buffer(), rq.offset(2), addLen);
    ctx.replyInteger(newLen);
  }

  /** Redis's checkStringLength: a string may not grow past proto-max-bulk-len. */
  private static void checkStringLength(CommandContext ctx, long size, long append) {
    long total = size + append;
    if (total > ctx.server().protoMaxBulkLen() || total > MAX_JAVA_STRING_BYTES) {
      throw new CommandException(Errors.STRING_TOO_LONG);
    }
  }

  static void strlen(CommandContext ctx) {
    long ref = lookupString(ctx, 1, 0);
    ctx.replyInteger(ref == Keyspace.NONE ? 0 : ctx.keyspace().stringLength(ref));
  }

  static void getrange(CommandContext ctx) {
    long start = argLong(ctx, 2);
    long end = argLong(ctx, 3);
    long ref = lookupString(ctx, 1, 0);
    if (ref == Keyspace.NONE) {
      ctx.replyBulk(EMPTY);
      return;
    }
    long len = ctx.keyspace().stringLength(ref);
    if (start < 0 && end < 0 && start > end) {
      ctx.replyBulk(EMPTY);
      return;
    }
    if (start < 0) {
      start = len + start;
    }
    if (end < 0) {
      end = len + end;
    }
    if (start < 0) {
      start = 0;
    }
    if (end < 0) {
      end = 0;
    }
    if (end >= len) {
      end = len - 1;
    }
    if (start > end || len == 0) {
      ctx.replyBulk(EMPTY);
      return;
    }
    StringValues.writeBulkRange(ctx.keyspace(), ref, (int) start, (int) (end - start + 1), ctx.out());
  }

  private static final byte[] EMPTY = new byte[0];

  static void setrange(CommandContext ctx) {
    long offset = argLong(ctx, 2);
    if (offset < 0) {
      throw new CommandException(Errors.OFFSET_OUT_OF_RANGE);
    }
    long ref = lookupString(ctx, 1, Keyspace.LOOKUP_NOSTATS);
    Request rq = ctx.request();
    int valueLen = rq.length(3);
    Keyspace ks = ctx.keyspace();
    int oldLen = ref == Keyspace.NONE ? 0 : ks.stringLength(ref);
    if (valueLen == 0) {
      ctx.replyInteger(oldLen); // nothing to set: an absent key stays absent
      return;
    }
    checkStringLength(ctx, offset, valueLen);
    if (ref != Keyspace.NONE) {
      ctx.replyInteger(ks.writeString(ctx.db(), rq.buffer(), rq.offset(1), rq.length(1), (int) offset,
          rq.buffer(), rq.offset(3), valueLen));
      return;
    }
    int newLen = (int) (offset + valueLen);
    byte[] value = new byte[newLen]; // zero padding up to offset
    System.arraycopy(rq.buffer(), rq.offset(3), value, (int) offset, valueLen);
    ks.setString(ctx.db(), rq.buffer(), rq.offset(1), rq.length(1), value, 0, newLen, Keyspace.NO_EXPIRY, false);
    ctx.replyInteger(newLen);
  }
}
