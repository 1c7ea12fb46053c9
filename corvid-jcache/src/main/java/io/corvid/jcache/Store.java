package io.corvid.jcache;

import io.corvid.client.ClientClosedException;
import io.corvid.client.CorvidClient;
import io.corvid.client.CorvidException;
import io.corvid.client.SetArgs;
import io.corvid.client.connection.NodeConnection;
import io.corvid.resp.RespValue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.cache.CacheException;

/**
 * One JSR-107 cache's entries on the server. Every entry is one string key
 * {@code <prefix><serialized key>} whose value is a 9-byte header (format byte 1, then the
 * expiry time as epoch milliseconds, {@link Long#MAX_VALUE} for eternal) followed by the
 * serialized value. The header lets JSR-107's per-access expiry be exact on the client; the
 * server's own TTL (PX) is set from it, plus {@code graceMillis} when the cache has an expiry
 * listener (so the entry is still there to be reported as expired when it is next touched).
 *
 * <p>The prefix is {@code jcache:{<namespace><cache name>}:}: the braces are a hash tag, so all
 * the entries of one cache share one cluster slot (one node), which makes clear(), iteration and
 * multi-key reads single-node operations, at the price that one cache cannot grow beyond one node.
 *
 * <p>Read-decide-write operations run as optimistic transactions ({@link #begin}, {@link
 * #commit}): WATCH and GET on a connection of their own, the decision, then MULTI, the writes,
 * EXEC. EXEC fails when another client changed the key in between, and the caller runs the
 * operation again; so conditional operations (putIfAbsent, replace(k, old, new), invoke, ...) are
 * atomic across processes too, without scripts. Between {@code begin} and {@code commit} the
 * store's read and write methods for that key, on that thread, go through the transaction.
 */
final class Store {
  static final byte FORMAT = 1;
  static final int HEADER = 9;
  static final int SCAN_COUNT = 500;
  private static final long ETERNAL = Long.MAX_VALUE;

  private final CorvidClient client;
  private final TxConnections txConnections;
  private final byte[] prefix;
  private final byte[] matchPattern;
  private final ThreadLocal<ArrayDeque<Tx>> transactions = ThreadLocal.withInitial(ArrayDeque::new);

  Store(CorvidClient client, TxConnections txConnections, String namespace, String cacheName) {
    this.client = client;
    this.txConnections = txConnections;
    this.prefix = ("jcache:{" + namespace + cacheName + "}:").getBytes(StandardCharsets.UTF_8);
    this.matchPattern = (escapeGlob("jcache:{" + namespace + cacheName + "}:") + "*").getBytes(StandardCharsets.UTF_8);
  }

  static String escapeGlob(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (char c : s.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  byte[] prefix() {
    return prefix;
  }

  byte[] serverKey(byte[] serializedKey) {
    byte[] k = Arrays.copyOf(prefix, prefix.length + serializedKey.length);
    System.arraycopy(serializedKey, 0, k, prefix.length, serializedKey.length);
    return k;
  }

  byte[] serializedKey(byte[] serverKey) {
    return Arrays.copyOfRange(serverKey, prefix.length, serverKey.length);
  }

  /** A stored entry as read: its expiry time and the serialized value (offset {@link #HEADER}). */
  static final class Stored {
    final long expiryTime;
    final byte[] raw;

    Stored(long expiryTime, byte[] raw) {
      this.expiryTime = expiryTime;
      this.raw = raw;
    }

    boolean isExpiredAt(long now) {
      return expiryTime <= now;
    }

    boolean sameValue(byte[] serializedValue) {
      return Arrays.equals(raw, HEADER, raw.length, serializedValue, 0, serializedValue.length);
    }
  }

  static Stored parse(byte[] raw) {
    if (raw == null) {
      return null;
    }
    if (raw.length < HEADER || raw[0] != FORMAT) {
      throw new javax.cache.CacheException("not a corvid-jcache entry (unknown format); was the key written by something else?");
    }
    return new Stored(ByteBuffer.wrap(raw, 1, 8).getLong(), raw);
  }

  Stored read(byte[] serverKey) {
    Tx tx = transaction(serverKey);
    if (tx != null) {
      return tx.read;
    }
    return parse(call(() -> client.sync().get(serverKey)));
  }

  List<Stored> readAll(List<byte[]> serverKeys) {
    List<byte[]> raws = call(() -> client.sync().mget(serverKeys));
    List<Stored> out = new ArrayList<>(raws.size());
    for (byte[] r : raws) {
      out.add(parse(r));
    }
    return out;
  }

  static byte[] encode(long expiryTime, byte[] serializedValue) {
    byte[] raw = new byte[HEADER + serializedValue.length];
    raw[0] = FORMAT;
    ByteBuffer.wrap(raw, 1, 8).putLong(expiryTime);
    System.arraycopy(serializedValue, 0, raw, HEADER, serializedValue.length);
    return raw;
  }

  /** Server TTL for an entry expiring at {@code expiryTime}: 0 for none, -1 when already gone. */
  private static long serverTtl(long expiryTime, long now, long graceMillis) {
    if (expiryTime == ETERNAL) {
      return 0;
    }
    long ttl = expiryTime - now + graceMillis;
    return ttl <= 0 ? -1 : ttl;
  }

  /** Stores the entry, or deletes the key when it is expired already (and no grace keeps it). */
  void write(byte[] serverKey, long expiryTime, byte[] serializedValue, long now, long graceMillis) {
    long ttl = serverTtl(expiryTime, now, graceMillis);
    if (ttl < 0) {
      delete(serverKey);
      return;
    }
    byte[] raw = encode(expiryTime, serializedValue);
    Tx tx = transaction(serverKey);
    if (tx != null) {
      tx.writes.add(ttl == 0 ? new byte[][] {b("SET"), serverKey, raw} : new byte[][] {b("SET"), serverKey, raw, b("PX"), b(Long.toString(ttl))});
      return;
    }
    if (ttl == 0) {
      call(() -> client.sync().set(serverKey, raw));
    } else {
      call(() -> client.sync().set(serverKey, raw, SetArgs.ttl(Duration.ofMillis(ttl))));
    }
  }

  /** Rewrites only the expiry of an existing entry (header bytes and the server TTL). */
  void touch(byte[] serverKey, long expiryTime, long now, long graceMillis) {
    long ttl = serverTtl(expiryTime, now, graceMillis);
    if (ttl < 0) {
      delete(serverKey);
      return;
    }
    byte[] header = new byte[8];
    ByteBuffer.wrap(header).putLong(expiryTime);
    Tx tx = transaction(serverKey);
    if (tx == null) {
      // SETRANGE on a key that is gone would create a broken entry: only inside a transaction
      throw new IllegalStateException("touch outside a transaction");
    }
    tx.writes.add(new byte[][] {b("SETRANGE"), serverKey, b("1"), header});
    tx.writes.add(ttl == 0 ? new byte[][] {b("PERSIST"), serverKey} : new byte[][] {b("PEXPIRE"), serverKey, b(Long.toString(ttl))});
  }

  private static void check(RespValue v) {
    if (v instanceof RespValue.ErrorReply) {
      throw new javax.cache.CacheException(((RespValue.ErrorReply) v).message());
    }
  }

  void delete(byte[] serverKey) {
    Tx tx = transaction(serverKey);
    if (tx != null) {
      tx.writes.add(new byte[][] {b("DEL"), serverKey});
      return;
    }
    call(() -> client.sync().del(serverKey));
  }

  // ---------------------------------------------------------------- optimistic transactions

  /** One read-decide-write attempt on one key. */
  private static final class Tx {
    final byte[] key;
    final NodeConnection connection;
    final List<byte[][]> writes = new ArrayList<>(2);
    Stored read;

    Tx(byte[] key, NodeConnection connection) {
      this.key = key;
      this.connection = connection;
    }
  }

  private Tx transaction(byte[] serverKey) {
    ArrayDeque<Tx> open = transactions.get();
    if (open.isEmpty()) {
      return null;
    }
    for (Tx t : open) {
      if (Arrays.equals(t.key, serverKey)) {
        return t;
      }
    }
    return null;
  }

  /** Starts a transaction on {@code serverKey}: WATCH it and read it (one round trip). */
  void begin(byte[] serverKey) {
    for (int attempt = 1; ; attempt++) {
      NodeConnection c = txConnections.borrow(serverKey);
      Tx tx = new Tx(serverKey, c);
      boolean healthy = false;
      try {
        CompletableFuture<RespValue> watch = c.send(b("WATCH"), serverKey);
        CompletableFuture<RespValue> get = c.send(b("GET"), serverKey);
        RespValue w = await(watch);
        RespValue g = await(get);
        healthy = true;
        if (w instanceof RespValue.ErrorReply || g instanceof RespValue.ErrorReply) {
          String m = ((RespValue.ErrorReply) (w instanceof RespValue.ErrorReply ? w : g)).message();
          c.send(b("UNWATCH"));
          if (redirected(m) && attempt < MAX_REDIRECT_RETRIES) {
            txConnections.giveBack(c, false);
            pause(attempt);
            continue;
          }
          txConnections.giveBack(c, true);
          throw new CacheException("Corvid refused WATCH/GET: " + m);
        }
        tx.read = parse(g instanceof RespValue.Bulk ? ((RespValue.Bulk) g).bytes() : null);
      } catch (RuntimeException e) {
        if (!healthy) {
          txConnections.giveBack(c, false);
        }
        throw e;
      }
      transactions.get().push(tx);
      return;
    }
  }

  private static final int MAX_REDIRECT_RETRIES = 10;

  private boolean redirected(String message) {
    if (message.startsWith("MOVED") || message.startsWith("ASK") || message.startsWith("TRYAGAIN") || message.startsWith("CLUSTERDOWN")) {
      client.router().refresh(false);
      return true;
    }
    return false;
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(Math.min(100, 2L << Math.min(attempt, 6)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheException("interrupted", e);
    }
  }

  private Tx pop(byte[] serverKey) {
    Tx tx = transactions.get().poll();
    if (tx == null || !Arrays.equals(tx.key, serverKey)) {
      throw new IllegalStateException("no transaction open on this key");
    }
    return tx;
  }

  /**
   * Ends the transaction: writes what it queued with MULTI ... EXEC. False when the key changed
   * since {@link #begin} (EXEC refused, or the connection was re-established and lost the WATCH):
   * nothing was written, and the caller runs the operation again.
   */
  boolean commit(byte[] serverKey) {
    Tx tx = pop(serverKey);
    NodeConnection c = tx.connection;
    boolean healthy = false;
    try {
      if (tx.writes.isEmpty()) {
        c.send(b("UNWATCH"));
        healthy = true;
        return true;
      }
      if (!c.isConnected()) {
        return false; // broke since the WATCH (and closed: it never reconnects): run again
      }
      c.send(b("MULTI"));
      List<CompletableFuture<RespValue>> queued = new ArrayList<>(tx.writes.size());
      for (byte[][] w : tx.writes) {
        queued.add(c.send(w));
      }
      CompletableFuture<RespValue> execFuture = c.send(b("EXEC"));
      RespValue exec;
      try {
        exec = execFuture.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof ClientClosedException) {
          // the connection broke and closed before EXEC was written: the server dropped the
          // transaction with the connection, nothing ran; run the operation again
          return false;
        }
        throw new CacheException("Corvid: " + (e.getCause() == null ? e : e.getCause()).getMessage(), e.getCause());
      }
      healthy = true;
      if (exec instanceof RespValue.Null) {
        return false;
      }
      for (CompletableFuture<RespValue> q : queued) {
        RespValue r = await(q);
        if (r instanceof RespValue.ErrorReply) {
          if (redirected(((RespValue.ErrorReply) r).message())) {
            return false;
          }
          throw new CacheException("Corvid refused a write: " + ((RespValue.ErrorReply) r).message());
        }
      }
      if (exec instanceof RespValue.ErrorReply) {
        throw new CacheException("Corvid refused the transaction: " + ((RespValue.ErrorReply) exec).message());
      }
      for (RespValue r : elements(exec)) {
        if (r instanceof RespValue.ErrorReply) {
          throw new CacheException("Corvid refused a write: " + ((RespValue.ErrorReply) r).message());
        }
      }
      return true;
    } finally {
      txConnections.giveBack(c, healthy);
    }
  }

  /** Ends the transaction without writing (the operation failed). */
  void abandon(byte[] serverKey) {
    Tx tx = pop(serverKey);
    tx.connection.send(b("UNWATCH"));
    txConnections.giveBack(tx.connection, true);
  }

  /** A client call; the client's failures (timeouts, lost connections, errors) become CacheException. */
  private static <T> T call(java.util.function.Supplier<T> command) {
    try {
      return command.get();
    } catch (CorvidException e) {
      throw new CacheException("Corvid: " + e.getMessage(), e);
    }
  }

  private static RespValue await(CompletableFuture<RespValue> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new CacheException("Corvid: " + cause.getMessage(), cause);
    }
  }

  void deleteAll(List<byte[]> serverKeys) {
    for (int i = 0; i < serverKeys.size(); i += SCAN_COUNT) {
      List<byte[]> part = serverKeys.subList(i, Math.min(serverKeys.size(), i + SCAN_COUNT));
      call(() -> client.sync().del(part.toArray(new byte[0][])));
    }
  }

  /** One SCAN step over this cache's keys: the next cursor ("0" at the end) and the keys found. */
  String scan(String cursor, List<byte[]> into) {
    RespValue reply = call(() -> client.sync().command(prefix, b("SCAN"), b(cursor), b("MATCH"), matchPattern, b("COUNT"), b(Integer.toString(SCAN_COUNT))));
    check(reply);
    List<RespValue> parts = elements(reply);
    String next = new String(bytes(parts.get(0)), StandardCharsets.UTF_8);
    for (RespValue k : elements(parts.get(1))) {
      into.add(bytes(k));
    }
    return next;
  }

  /** Every key of this cache (a full SCAN; keys written meanwhile may or may not be seen). */
  List<byte[]> allKeys() {
    List<byte[]> out = new ArrayList<>();
    String cursor = "0";
    do {
      cursor = scan(cursor, out);
    } while (!cursor.equals("0"));
    return out;
  }

  /** Deletes every key of this cache. */
  void clear() {
    String cursor = "0";
    do {
      List<byte[]> keys = new ArrayList<>();
      cursor = scan(cursor, keys);
      if (!keys.isEmpty()) {
        call(() -> client.sync().del(keys.toArray(new byte[0][])));
      }
    } while (!cursor.equals("0"));
  }

  private static List<RespValue> elements(RespValue v) {
    if (v instanceof RespValue.Array) {
      return ((RespValue.Array) v).elements();
    }
    throw new javax.cache.CacheException("unexpected reply " + v);
  }

  private static byte[] bytes(RespValue v) {
    if (v instanceof RespValue.Bulk) {
      return ((RespValue.Bulk) v).bytes();
    }
    if (v instanceof RespValue.SimpleString) {
      return ((RespValue.SimpleString) v).text().getBytes(StandardCharsets.UTF_8);
    }
    throw new javax.cache.CacheException("unexpected reply " + v);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
