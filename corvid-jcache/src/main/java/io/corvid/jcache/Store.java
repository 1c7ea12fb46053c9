package io.corvid.jcache;

import io.corvid.client.CorvidClient;
import io.corvid.client.SetArgs;
import io.corvid.resp.RespValue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
 */
final class Store {
  static final byte FORMAT = 1;
  static final int HEADER = 9;
  static final int SCAN_COUNT = 500;
  private static final long ETERNAL = Long.MAX_VALUE;

  private final CorvidClient client;
  private final byte[] prefix;
  private final byte[] matchPattern;

  Store(CorvidClient client, String namespace, String cacheName) {
    this.client = client;
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
    return parse(client.sync().get(serverKey));
  }

  List<Stored> readAll(List<byte[]> serverKeys) {
    List<byte[]> raws = client.sync().mget(serverKeys);
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
      client.sync().del(serverKey);
      return;
    }
    byte[] raw = encode(expiryTime, serializedValue);
    if (ttl == 0) {
      client.sync().set(serverKey, raw);
    } else {
      client.sync().set(serverKey, raw, SetArgs.ttl(Duration.ofMillis(ttl)));
    }
  }

  /** Rewrites only the expiry of an existing entry (header bytes and the server TTL). */
  void touch(byte[] serverKey, long expiryTime, long now, long graceMillis) {
    long ttl = serverTtl(expiryTime, now, graceMillis);
    if (ttl < 0) {
      client.sync().del(serverKey);
      return;
    }
    byte[] header = new byte[8];
    ByteBuffer.wrap(header).putLong(expiryTime);
    CompletableFuture<RespValue> a = client.async().command(serverKey, b("SETRANGE"), serverKey, b("1"), header);
    CompletableFuture<RespValue> c = ttl == 0
        ? client.async().command(serverKey, b("PERSIST"), serverKey)
        : client.async().command(serverKey, b("PEXPIRE"), serverKey, b(Long.toString(ttl)));
    check(a.join());
    check(c.join());
  }

  private static void check(RespValue v) {
    if (v instanceof RespValue.ErrorReply) {
      throw new javax.cache.CacheException(((RespValue.ErrorReply) v).message());
    }
  }

  void delete(byte[] serverKey) {
    client.sync().del(serverKey);
  }

  void deleteAll(List<byte[]> serverKeys) {
    for (int i = 0; i < serverKeys.size(); i += SCAN_COUNT) {
      List<byte[]> part = serverKeys.subList(i, Math.min(serverKeys.size(), i + SCAN_COUNT));
      client.sync().del(part.toArray(new byte[0][]));
    }
  }

  /** One SCAN step over this cache's keys: the next cursor ("0" at the end) and the keys found. */
  String scan(String cursor, List<byte[]> into) {
    RespValue reply = client.sync().command(prefix, b("SCAN"), b(cursor), b("MATCH"), matchPattern, b("COUNT"), b(Integer.toString(SCAN_COUNT)));
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
        client.sync().del(keys.toArray(new byte[0][]));
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
