package io.corvid.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The in-process copy of a {@link CorvidCache}'s values: bounded (Caffeine, W-TinyLFU), with a
 * TTL as a safety net, kept coherent by the server's CLIENT TRACKING invalidations
 * ({@link Tracking}).
 *
 * <h2>Keys</h2>
 *
 * Entries are keyed by the application's own key object (a byte[] key by its content), so a hit
 * costs no encoding and no allocation. Invalidations name the key as stored on the server; {@code
 * localKey} maps that back (strip the cache's prefix, decode with the key codec) and returns null
 * for keys that are not this cache's. That needs a key codec that round-trips: {@code
 * decode(encode(k))} equals {@code k}, as the stock codecs do.
 *
 * <h2>The fill race</h2>
 *
 * A read goes: {@link #beginFill} (leave a token for the key), GET from the server, then {@link
 * #completeFill} stores the value only if the token is still there. An invalidation removes the
 * token and the entry in one step (under the token map's lock for that key), so a value read
 * before an invalidation is never stored after it: either the fill completed first and the
 * invalidation removes it, or the invalidation came first and the fill finds no token. Because
 * the server tracks the key when it executes the GET, and sends the invalidation on the same
 * connection as the reply, no write after the GET can go unnoticed.
 */
final class NearCache<V> {
  private final Cache<Object, V> entries;
  private final ConcurrentHashMap<Object, Object> fills = new ConcurrentHashMap<>();
  private final Function<ByteBuffer, Object> localKey;
  final LongAdder hits = new LongAdder();
  final LongAdder invalidations = new LongAdder();
  /** Called after a server invalidation dropped a key (its server name): for measuring staleness in tests. */
  volatile Consumer<ByteBuffer> invalidationListener;

  /** A near cache whose local keys are the server's keys (as ByteBuffers). */
  NearCache(long maxEntries, Duration ttl) {
    this(maxEntries, ttl, serverKey -> serverKey);
  }

  /** @param localKey the local key of a server key, or null when it is not one of this cache's */
  NearCache(long maxEntries, Duration ttl, Function<ByteBuffer, Object> localKey) {
    this.entries = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl).build();
    this.localKey = localKey;
  }

  /** A key as entries are keyed: byte[] by content (a copy, so later changes to the array do not matter). */
  static Object local(Object key) {
    return key instanceof byte[] ? ByteBuffer.wrap(((byte[]) key).clone()) : key;
  }

  V getIfPresent(Object key) {
    V v = entries.getIfPresent(key);
    if (v != null) {
      hits.increment();
    }
    return v;
  }

  Object beginFill(Object key) {
    Object token = new Object();
    fills.put(key, token);
    return token;
  }

  void completeFill(Object key, Object token, V value) {
    fills.computeIfPresent(key, (k, current) -> {
      if (current != token) {
        return current;
      }
      if (value != null) {
        entries.put(k, value);
      }
      return null;
    });
  }

  /** The server says {@code serverKey} changed: drop it and any fill in progress, if it is ours. */
  void invalidate(ByteBuffer serverKey) {
    Object key = localKey.apply(serverKey);
    if (key != null) {
      invalidateLocal(key);
    }
    Consumer<ByteBuffer> l = invalidationListener;
    if (l != null) {
      l.accept(serverKey);
    }
  }

  /** We changed the key (or the server said so): drop it and any fill in progress. */
  void invalidateLocal(Object key) {
    fills.compute(key, (k, token) -> {
      entries.invalidate(k);
      return null;
    });
    invalidations.increment();
  }

  /** Everything may be stale (disconnect, failover, FLUSHALL): forget it all. */
  void clear() {
    fills.clear();
    entries.invalidateAll();
  }

  long size() {
    entries.cleanUp();
    return entries.estimatedSize();
  }

  boolean contains(Object key) {
    return entries.getIfPresent(key) != null;
  }
}
