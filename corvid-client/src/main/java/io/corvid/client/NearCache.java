package io.corvid.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The in-process copy of a {@link CorvidCache}'s values: bounded (Caffeine, W-TinyLFU), with a
 * TTL as a safety net, kept coherent by the server's CLIENT TRACKING invalidations
 * ({@link Tracking}).
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
  private final Cache<ByteBuffer, V> entries;
  private final ConcurrentHashMap<ByteBuffer, Object> fills = new ConcurrentHashMap<>();
  final LongAdder hits = new LongAdder();
  final LongAdder invalidations = new LongAdder();
  /** Called after an invalidation dropped a key: for measuring staleness in tests. */
  volatile Consumer<ByteBuffer> invalidationListener;

  NearCache(long maxEntries, Duration ttl) {
    this.entries = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl).build();
  }

  V getIfPresent(ByteBuffer key) {
    V v = entries.getIfPresent(key);
    if (v != null) {
      hits.increment();
    }
    return v;
  }

  Object beginFill(ByteBuffer key) {
    Object token = new Object();
    fills.put(key, token);
    return token;
  }

  void completeFill(ByteBuffer key, Object token, V value) {
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

  /** The key changed on the server (or we changed it): drop it and any fill in progress. */
  void invalidate(ByteBuffer key) {
    fills.compute(key, (k, token) -> {
      entries.invalidate(k);
      return null;
    });
    invalidations.increment();
    Consumer<ByteBuffer> l = invalidationListener;
    if (l != null) {
      l.accept(key);
    }
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

  boolean contains(ByteBuffer key) {
    return entries.getIfPresent(key) != null;
  }
}
