package io.corvid.client;

import io.corvid.client.cluster.Router;
import io.corvid.client.connection.Command;
import io.corvid.resp.RespValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The commands, asynchronous: every method sends at once and returns a future of the decoded
 * reply. This is the implementation; {@link SyncCommands} blocks on it, and a test keeps the two
 * in step. Futures complete on the client's event loop threads: a callback that blocks stalls
 * every connection of that loop, so block only in your own threads.
 *
 * <p>Error replies fail the future with {@link ServerErrorException} carrying the server's
 * message. Keys and values are bytes; strings are UTF-8. Multi-key commands (MGET, MSET, DEL,
 * EXISTS) are split by slot against a cluster and reassembled in the caller's order; each part is
 * atomic on its node, the whole is not.
 */
public final class AsyncCommands {
  private final Router router;

  AsyncCommands(Router router) {
    this.router = router;
  }

  public CompletableFuture<String> ping() {
    return router.execute(-1, true, Command.args("PING")).thenApply(Replies::text);
  }

  public CompletableFuture<byte[]> get(byte[] key) {
    return router.execute(router.slot(key), true, new byte[][] {GET, key}, Replies::bytes);
  }

  public CompletableFuture<String> get(String key) {
    byte[] k = utf8(key);
    return router.execute(router.slot(k), true, new byte[][] {GET, k}, Replies::text);
  }

  /** SET; completes with true when the value was stored (false when NX or XX prevented it). */
  public CompletableFuture<Boolean> set(byte[] key, byte[] value, SetArgs args) {
    List<Object> parts = new ArrayList<>(List.of("SET", key, value));
    args.appendTo(parts);
    return router.execute(router.slot(key), false, Command.args(parts.toArray()), Replies::stored);
  }

  public CompletableFuture<Boolean> set(byte[] key, byte[] value) {
    return router.execute(router.slot(key), false, new byte[][] {SET, key, value}, Replies::stored);
  }

  public CompletableFuture<Boolean> set(String key, String value) {
    return set(utf8(key), utf8(value));
  }

  /** MGET, split by slot; the list has one element per key, null where there is no value. */
  public CompletableFuture<List<byte[]>> mget(List<byte[]> keys) {
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    Map<Integer, List<Integer>> bySlot = groupBySlot(keys);
    byte[][] out = new byte[keys.size()][];
    List<CompletableFuture<?>> parts = new ArrayList<>();
    for (Map.Entry<Integer, List<Integer>> g : bySlot.entrySet()) {
      List<Integer> indexes = g.getValue();
      byte[][] args = new byte[indexes.size() + 1][];
      args[0] = MGET;
      for (int i = 0; i < indexes.size(); i++) {
        args[i + 1] = keys.get(indexes.get(i));
      }
      parts.add(router.execute(g.getKey(), true, args).thenAccept(reply -> {
        List<RespValue> values = Replies.list(reply);
        for (int i = 0; i < indexes.size(); i++) {
          out[indexes.get(i)] = Replies.bytes(values.get(i));
        }
      }));
    }
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(v -> Arrays.asList(out));
  }

  /** MSET, split by slot: {@code keys.get(i)} gets {@code values.get(i)}. */
  public CompletableFuture<Void> mset(List<byte[]> keys, List<byte[]> values) {
    if (keys.size() != values.size()) {
      throw new IllegalArgumentException("keys and values differ in number");
    }
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<?>> parts = new ArrayList<>();
    for (Map.Entry<Integer, List<Integer>> g : groupBySlot(keys).entrySet()) {
      List<Integer> indexes = g.getValue();
      byte[][] args = new byte[indexes.size() * 2 + 1][];
      args[0] = MSET;
      for (int i = 0; i < indexes.size(); i++) {
        args[2 * i + 1] = keys.get(indexes.get(i));
        args[2 * i + 2] = values.get(indexes.get(i));
      }
      parts.add(router.execute(g.getKey(), false, args));
    }
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]));
  }

  /**
   * DEL, split by slot; completes with how many keys existed. Marked idempotent (retried after a
   * lost connection): deleting twice leaves the same state, though the count may then be low.
   */
  public CompletableFuture<Long> del(byte[]... keys) {
    return sumBySlot("DEL", true, Arrays.asList(keys));
  }

  public CompletableFuture<Long> del(String... keys) {
    return del(utf8(keys));
  }

  /** EXISTS, split by slot: how many of the keys exist. */
  public CompletableFuture<Long> exists(byte[]... keys) {
    return sumBySlot("EXISTS", true, Arrays.asList(keys));
  }

  /** PEXPIRE; true when the key exists and got the timeout. */
  public CompletableFuture<Boolean> expire(byte[] key, Duration ttl) {
    return router.execute(router.slot(key), false, Command.args("PEXPIRE", key, Math.max(1, ttl.toMillis())))
        .thenApply(r -> Replies.integer(r) == 1);
  }

  /** PTTL: milliseconds left, -1 without expiry, -2 when the key does not exist. */
  public CompletableFuture<Long> pttl(byte[] key) {
    return router.execute(router.slot(key), true, Command.args("PTTL", key)).thenApply(Replies::integer);
  }

  public CompletableFuture<Long> incrBy(byte[] key, long delta) {
    return router.execute(router.slot(key), false, Command.args("INCRBY", key, delta)).thenApply(Replies::integer);
  }

  public CompletableFuture<Long> incr(String key) {
    return incrBy(utf8(key), 1);
  }

  public CompletableFuture<byte[]> hget(byte[] key, String field) {
    return router.execute(router.slot(key), true, Command.args("HGET", key, field)).thenApply(Replies::bytes);
  }

  /** HSET of one field; true when the field is new. */
  public CompletableFuture<Boolean> hset(byte[] key, String field, byte[] value) {
    return router.execute(router.slot(key), false, Command.args("HSET", key, field, value)).thenApply(r -> Replies.integer(r) == 1);
  }

  /** HGETALL: field names (UTF-8) to values, in the server's order; empty for a missing key. */
  public CompletableFuture<Map<String, byte[]>> hgetall(byte[] key) {
    return router.execute(router.slot(key), true, Command.args("HGETALL", key)).thenApply(Replies::fieldMap);
  }

  public CompletableFuture<Long> hdel(byte[] key, String... fields) {
    Object[] parts = new Object[fields.length + 2];
    parts[0] = "HDEL";
    parts[1] = key;
    System.arraycopy(fields, 0, parts, 2, fields.length);
    return router.execute(router.slot(key), false, Command.args(parts)).thenApply(Replies::integer);
  }

  /** PUBLISH; completes with the number of subscribers that received it (on the node asked). */
  public CompletableFuture<Long> publish(String channel, byte[] message) {
    return router.execute(-1, false, Command.args("PUBLISH", channel, message)).thenApply(Replies::integer);
  }

  /**
   * Any command, routed by {@code routingKey} (null: any node), not retried after a lost
   * connection; completes with the raw reply.
   */
  public CompletableFuture<RespValue> command(byte[] routingKey, byte[]... args) {
    Objects.requireNonNull(args);
    return router.execute(routingKey == null ? -1 : router.slot(routingKey), false, args);
  }

  private CompletableFuture<Long> sumBySlot(String command, boolean idempotent, List<byte[]> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("ERR wrong number of arguments for '" + command.toLowerCase() + "' command");
    }
    byte[] name = utf8(command);
    List<CompletableFuture<Long>> parts = new ArrayList<>();
    for (Map.Entry<Integer, List<Integer>> g : groupBySlot(keys).entrySet()) {
      List<Integer> indexes = g.getValue();
      byte[][] args = new byte[indexes.size() + 1][];
      args[0] = name;
      for (int i = 0; i < indexes.size(); i++) {
        args[i + 1] = keys.get(indexes.get(i));
      }
      parts.add(router.execute(g.getKey(), idempotent, args).thenApply(Replies::integer));
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
        .thenApply(v -> parts.stream().mapToLong(CompletableFuture::join).sum());
  }

  /** Key indexes by slot, slots in first-seen order; one group of everything against a single node. */
  private Map<Integer, List<Integer>> groupBySlot(List<byte[]> keys) {
    Map<Integer, List<Integer>> out = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      out.computeIfAbsent(router.slot(keys.get(i)), s -> new ArrayList<>()).add(i);
    }
    return out;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[][] utf8(String[] strings) {
    byte[][] out = new byte[strings.length][];
    for (int i = 0; i < strings.length; i++) {
      out[i] = utf8(strings[i]);
    }
    return out;
  }

  private static final byte[] GET = utf8("GET");
  private static final byte[] SET = utf8("SET");
  private static final byte[] MGET = utf8("MGET");
  private static final byte[] MSET = utf8("MSET");
}
