package io.corvid.server.command;

import io.corvid.resp.Request;
import io.corvid.resp.RespVersion;
import io.corvid.resp.RespWriter;
import io.corvid.server.command.data.LongDoubles;
import io.corvid.server.command.data.RedisIntegers;
import io.corvid.storage.Keyspace;
import io.corvid.storage.ValueType;
import io.netty.buffer.ByteBuf;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hash commands, as Redis's {@code t_hash.c}. Whole-hash replies (HGETALL, HKEYS, HVALS) stream
 * the fields from the engine's visitor straight into the reply buffer.
 */
public final class HashCommands {
  private HashCommands() {}

  static final String NAN_OR_INFINITY = "ERR value is NaN or Infinity";
  static final String HRANDFIELD_COUNT_RANGE =
      "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
  static final String VALUE_OUT_OF_RANGE = "ERR value is out of range";

  private static final byte[] WITHVALUES = {'W', 'I', 'T', 'H', 'V', 'A', 'L', 'U', 'E', 'S'};

  public static void register(CommandRegistry registry) {
    registry.register("hset", ctx -> hset(ctx, false));
    registry.register("hmset", ctx -> hset(ctx, true));
    registry.register("hsetnx", HashCommands::hsetnx);
    registry.register("hget", HashCommands::hget);
    registry.register("hmget", HashCommands::hmget);
    registry.register("hgetall", ctx -> visitAll(ctx, true, true));
    registry.register("hkeys", ctx -> visitAll(ctx, true, false));
    registry.register("hvals", ctx -> visitAll(ctx, false, true));
    registry.register("hdel", HashCommands::hdel);
    registry.register("hexists", HashCommands::hexists);
    registry.register("hlen", HashCommands::hlen);
    registry.register("hstrlen", HashCommands::hstrlen);
    registry.register("hincrby", HashCommands::hincrby);
    registry.register("hincrbyfloat", HashCommands::hincrbyfloat);
    registry.register("hscan", HashCommands::hscan);
    registry.register("hrandfield", HashCommands::hrandfield);
  }

  /** The live entry of argument i's key when it holds a hash, NONE when absent; WRONGTYPE otherwise. */
  static long lookupHash(CommandContext ctx, int i, int flags) {
    Request rq = ctx.request();
    long ref = ctx.keyspace().lookup(ctx.db(), rq.buffer(), rq.offset(i), rq.length(i), flags);
    if (ref != Keyspace.NONE && ctx.keyspace().type(ref) != ValueType.HASH) {
      throw new CommandException(Errors.WRONGTYPE);
    }
    return ref;
  }

  private static byte[] field(CommandContext ctx, long ref, int i) {
    Request rq = ctx.request();
    return ctx.keyspace().hashGet(ref, rq.buffer(), rq.offset(i), rq.length(i));
  }

  /** Sets field argument f to value argument f+1 of key argument 1; true when the field is new. */
  private static boolean setField(CommandContext ctx, int f) {
    Request rq = ctx.request();
    byte[] buf = rq.buffer();
    return ctx.keyspace().hashSet(ctx.db(), buf, rq.offset(1), rq.length(1),
        buf, rq.offset(f), rq.length(f), buf, rq.offset(f + 1), rq.length(f + 1));
  }

  private static void setField(CommandContext ctx, int f, byte[] value) {
    Request rq = ctx.request();
    byte[] buf = rq.buffer();
    ctx.keyspace().hashSet(ctx.db(), buf, rq.offset(1), rq.length(1), buf, rq.offset(f), rq.length(f),
        value, 0, value.length);
  }

  // ------------------------------------------------------------------ writes

  /** HSET answers how many fields are new; HMSET (deprecated) answers OK. */
  static void hset(CommandContext ctx, boolean legacyReply) {
    if (ctx.argc() % 2 == 1) {
      throw new CommandException(Errors.wrongArity(ctx.commandName()));
    }
    lookupHash(ctx, 1, Keyspace.LOOKUP_NOSTATS);
    int created = 0;
    for (int f = 2; f < ctx.argc(); f += 2) {
      if (setField(ctx, f)) {
        created++;
      }
    }
    if (legacyReply) {
      ctx.replyOk();
    } else {
      ctx.replyInteger(created);
    }
  }

  static void hsetnx(CommandContext ctx) {
    long ref = lookupHash(ctx, 1, Keyspace.LOOKUP_NOSTATS);
    if (ref != Keyspace.NONE && field(ctx, ref, 2) != null) {
      ctx.replyInteger(0);
      return;
    }
    setField(ctx, 2);
    ctx.replyInteger(1);
  }

  static void hdel(CommandContext ctx) {
    if (lookupHash(ctx, 1, Keyspace.LOOKUP_NOSTATS) == Keyspace.NONE) {
      ctx.replyInteger(0);
      return;
    }
    Request rq = ctx.request();
    byte[] buf = rq.buffer();
    int deleted = 0;
    for (int f = 2; f < ctx.argc(); f++) {
      if (ctx.keyspace().hashDelete(ctx.db(), buf, rq.offset(1), rq.length(1), buf, rq.offset(f), rq.length(f))) {
        deleted++;
      }
    }
    ctx.replyInteger(deleted);
  }

  static void hincrby(CommandContext ctx) {
    long increment = StringCommands.argLong(ctx, 3);
    long ref = lookupHash(ctx, 1, Keyspace.LOOKUP_NOSTATS);
    long current = 0;
    byte[] old = ref == Keyspace.NONE ? null : field(ctx, ref, 2);
    if (old != null) {
      current = RedisIntegers.parse(old, 0, old.length, Errors.HASH_NOT_INTEGER);
    }
    if (increment < 0 && current < 0 && increment < Long.MIN_VALUE - current
        || increment > 0 && current > 0 && increment > Long.MAX_VALUE - current) {
      throw new CommandException(Errors.OVERFLOW);
    }
    long result = current + increment;
    setField(ctx, 2, RedisIntegers.toBytes(result));
    ctx.replyInteger(result);
  }

  static void hincrbyfloat(CommandContext ctx) {
    Request rq = ctx.request();
    BigDecimal increment = LongDoubles.parse(rq.buffer(), rq.offset(3), rq.length(3));
    if (increment == null) {
      throw new CommandException(Errors.NOT_FLOAT);
    }
    if (LongDoubles.isInfinite(increment)) {
      throw new CommandException(NAN_OR_INFINITY);
    }
    long ref = lookupHash(ctx, 1, Keyspace.LOOKUP_NOSTATS);
    BigDecimal current = BigDecimal.ZERO;
    byte[] old = ref == Keyspace.NONE ? null : field(ctx, ref, 2);
    if (old != null) {
      current = LongDoubles.parse(old, 0, old.length);
      if (current == null) {
        throw new CommandException(Errors.HASH_NOT_FLOAT);
      }
    }
    BigDecimal sum = LongDoubles.add(current, increment);
    if (sum == null) {
      throw new CommandException(Errors.INCR_NAN_OR_INF);
    }
    byte[] text = LongDoubles.format(sum).getBytes(StandardCharsets.US_ASCII);
    setField(ctx, 2, text);
    ctx.replyBulk(text);
  }

  // ------------------------------------------------------------------ reads

  static void hget(CommandContext ctx) {
    long ref = lookupHash(ctx, 1, 0);
    byte[] value = ref == Keyspace.NONE ? null : field(ctx, ref, 2);
    if (value == null) {
      ctx.replyNull();
    } else {
      ctx.replyBulk(value);
    }
  }

  static void hmget(CommandContext ctx) {
    long ref = lookupHash(ctx, 1, 0);
    ctx.replyArrayHeader(ctx.argc() - 2);
    for (int f = 2; f < ctx.argc(); f++) {
      byte[] value = ref == Keyspace.NONE ? null : field(ctx, ref, f);
      if (value == null) {
        ctx.replyNull();
      } else {
        ctx.replyBulk(value);
      }
    }
  }

  static void hexists(CommandContext ctx) {
    long ref = lookupHash(ctx, 1, 0);
    ctx.replyInteger(ref != Keyspace.NONE && field(ctx, ref, 2) != null ? 1 : 0);
  }

  static void hlen(CommandContext ctx) {
    long ref = lookupHash(ctx, 1, 0);
    ctx.replyInteger(ref == Keyspace.NONE ? 0 : ctx.keyspace().hashLength(ref));
  }

  static void hstrlen(CommandContext ctx) {
    long ref = lookupHash(ctx, 1, 0);
    byte[] value = ref == Keyspace.NONE ? null : field(ctx, ref, 2);
    ctx.replyInteger(value == null ? 0 : value.length);
  }

  /** HGETALL (a map in RESP3), HKEYS and HVALS (arrays). */
  static void visitAll(CommandContext ctx, boolean fields, boolean values) {
    long ref = lookupHash(ctx, 1, 0);
    int n = ref == Keyspace.NONE ? 0 : ctx.keyspace().hashLength(ref);
    if (fields && values) {
      ctx.replyMapHeader(n);
    } else {
      ctx.replyArrayHeader(n);
    }
    if (n == 0) {
      return;
    }
    ByteBuf out = ctx.out();
    ctx.keyspace().hashForEach(ref, (f, fOff, fLen, v, vOff, vLen) -> {
      if (fields) {
        RespWriter.bulk(out, f, fOff, fLen);
      }
      if (values) {
        RespWriter.bulk(out, v, vOff, vLen);
      }
    });
  }

  /**
   * HSCAN key cursor [MATCH pattern] [COUNT count], as Redis: a listpack-encoded (small) hash comes
   * whole in one call with cursor 0; a hashtable-encoded one is walked with a cursor, about COUNT
   * fields a call (the engine's {@code hashScan}), with SCAN's guarantees.
   */
  static void hscan(CommandContext ctx) {
    long cursor = KeyScan.parseCursor(ctx.request(), 2);
    long ref = lookupHash(ctx, 1, 0); // before the options, as Redis: an absent key ignores them
    List<byte[]> items = new ArrayList<>();
    long next = 0;
    if (ref != Keyspace.NONE) {
      KeyScan.Options options = KeyScan.parseOptions(ctx, 3, false);
      next = ctx.keyspace().hashScan(ref, cursor, options.count(), (f, fOff, fLen, v, vOff, vLen) -> {
        if (options.matches(f, fOff, fLen)) {
          items.add(java.util.Arrays.copyOfRange(f, fOff, fOff + fLen));
          if (!options.noValues()) {
            items.add(java.util.Arrays.copyOfRange(v, vOff, vOff + vLen));
          }
        }
      });
    }
    ctx.replyArrayHeader(2);
    ctx.replyBulk(Long.toUnsignedString(next));
    ctx.replyArrayHeader(items.size());
    for (byte[] item : items) {
      ctx.replyBulk(item);
    }
  }

  /**
   * HRANDFIELD key [count [WITHVALUES]]. A positive count gives distinct fields (the whole hash
   * when count is at least its size); a negative count gives exactly |count| fields, repeats
   * allowed. With values, RESP3 answers an array of [field, value] pairs, RESP2 a flat array.
   */
  static void hrandfield(CommandContext ctx) {
    Request rq = ctx.request();
    if (ctx.argc() == 2) {
      long ref = lookupHash(ctx, 1, 0);
      if (ref == Keyspace.NONE) {
        ctx.replyNull();
        return;
      }
      int pick = ThreadLocalRandom.current().nextInt(ctx.keyspace().hashLength(ref));
      byte[][] field = new byte[1][];
      int[] index = {0};
      ctx.keyspace().hashForEach(ref, (f, fOff, fLen, v, vOff, vLen) -> {
        if (index[0]++ == pick) {
          field[0] = java.util.Arrays.copyOfRange(f, fOff, fOff + fLen);
        }
      });
      ctx.replyBulk(field[0]);
      return;
    }
    long count = RedisIntegers.parse(rq.buffer(), rq.offset(2), rq.length(2), Errors.NOT_INTEGER);
    if (count == Long.MIN_VALUE) {
      throw new CommandException(HRANDFIELD_COUNT_RANGE);
    }
    boolean withValues = false;
    if (ctx.argc() >= 4) {
      if (ctx.argc() > 4 || !rq.equalsIgnoreCase(3, WITHVALUES)) {
        throw new CommandException(Errors.SYNTAX);
      }
      withValues = true;
    }
    if (withValues && count < -Long.MAX_VALUE / 2) {
      throw new CommandException(VALUE_OUT_OF_RANGE); // count * 2 would overflow
    }
    long ref = lookupHash(ctx, 1, 0);
    if (ref == Keyspace.NONE || count == 0) {
      ctx.replyArrayHeader(0);
      return;
    }
    byte[][] pairs = collect(ctx, ref, withValues);
    int size = pairs.length / 2;
    boolean nestedPairs = withValues && ctx.resp() == RespVersion.RESP3;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (count < 0) {
      long n = -count;
      ctx.replyArrayHeader(withValues && !nestedPairs ? n * 2 : n);
      for (long i = 0; i < n; i++) {
        replyPair(ctx, pairs, random.nextInt(size), withValues, nestedPairs);
      }
      return;
    }
    int n = (int) Math.min(count, size);
    // Partial Fisher-Yates over the pair indexes: the first n are a uniform random subset.
    int[] order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    if (n < size) {
      for (int i = 0; i < n; i++) {
        int j = i + random.nextInt(size - i);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    ctx.replyArrayHeader(withValues && !nestedPairs ? 2L * n : n);
    for (int i = 0; i < n; i++) {
      replyPair(ctx, pairs, order[i], withValues, nestedPairs);
    }
  }

  private static void replyPair(CommandContext ctx, byte[][] pairs, int index, boolean withValues, boolean nested) {
    if (nested) {
      ctx.replyArrayHeader(2);
    }
    ctx.replyBulk(pairs[2 * index]);
    if (withValues) {
      ctx.replyBulk(pairs[2 * index + 1]);
    }
  }

  /** The hash as [field0, value0, field1, value1, ...]; values are null unless asked for. */
  private static byte[][] collect(CommandContext ctx, long ref, boolean withValues) {
    byte[][] pairs = new byte[2 * ctx.keyspace().hashLength(ref)][];
    int[] at = {0};
    ctx.keyspace().hashForEach(ref, (f, fOff, fLen, v, vOff, vLen) -> {
      pairs[at[0]++] = java.util.Arrays.copyOfRange(f, fOff, fOff + fLen);
      pairs[at[0]++] = withValues ? java.util.Arrays.copyOfRange(v, vOff, vOff + vLen) : null;
    });
    return pairs;
  }
}
