package io.corvid.client;

import io.corvid.client.codec.Codec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A typed cache over the keys {@code name:*}: values go through a {@link Codec}, and
 * {@link #get(Object, Function)} implements cache-aside with stampede protection. Blocking calls;
 * thread-safe.
 *
 * <h2>Cache-aside</h2>
 *
 * {@code get(key, loader)} reads the key; on a miss:
 *
 * <ol>
 *   <li><b>Single-flight in the process.</b> The first thread to miss a key becomes its loader;
 *       the others that miss it meanwhile wait for that thread's result (one map entry per key
 *       being loaded, removed when done).
 *   <li><b>A lease across processes</b> (the memcache lease idea). The loading thread takes the
 *       lease {@code name:key:lease} with {@code SET NX PX leaseTime}. The winner reads the key
 *       once more (another process may have just filled it), calls the loader, stores the value
 *       with the TTL plus jitter, and releases the lease. A loser polls the key (backing off from
 *       {@link #LEASE_POLL_MIN_NANOS} to {@link #LEASE_POLL_MAX_NANOS}) until the value appears,
 *       and tries for the lease again whenever it is gone (the winner failed, or its lease
 *       expired), so a dead loader delays others by at most the lease time.
 * </ol>
 *
 * So N concurrent misses of one key across P processes cost one loader call as long as the load
 * takes less than the lease time. Releasing the lease is a GET then a DEL, not one atomic
 * compare-and-delete (neither Corvid nor a shared pipelined connection offers one without
 * scripts): if the lease expired during a slow load and another process took it, the release may
 * delete that process's lease, at worst letting one more loader run. A loser waits for a value;
 * it is not served a stale one.
 *
 * <p>With {@link CacheOptions#negativeTtl(Duration)}, a loader that returns null stores a marker
 * ({@link #NEGATIVE_MARKER}) for that long, and reads see null without calling the loader.
 * Without it, null is not cached. Server errors propagate to the caller; the loader is not
 * called when the cache cannot be read.
 *
 * <p>{@link #invalidate} deletes the key: write the database, then invalidate.
 */
public final class CorvidCache<K, V> {
  static final long LEASE_POLL_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  static final long LEASE_POLL_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** What a negative entry holds: a value no codec of ours writes (a NUL-framed tag). */
  static final byte[] NEGATIVE_MARKER = "\0corvid:absent\0".getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] LEASE_SUFFIX = ":lease".getBytes(StandardCharsets.US_ASCII);

  private final CorvidClient client;
  private final AsyncCommands commands;
  private final SyncCommands sync;
  private final CacheOptions<K, V> options;
  private final Codec<K> keyCodec;
  private final Codec<V> valueCodec;
  private final byte[] prefix;
  private final ConcurrentHashMap<ByteBuffer, CompletableFuture<V>> loading = new ConcurrentHashMap<>();
  private final CacheStats stats = new CacheStats();
  private final NearCache<V> near;

  CorvidCache(CorvidClient client, CacheOptions<K, V> options) {
    this.client = client;
    this.commands = client.async();
    this.sync = client.sync();
    this.options = options;
    this.keyCodec = options.keyCodec();
    this.valueCodec = options.valueCodec();
    this.prefix = (options.name() + ":").getBytes(StandardCharsets.UTF_8);
    if (options.nearCacheMaxEntries() > 0) {
      this.near = new NearCache<>(options.nearCacheMaxEntries(), options.nearCacheTtl(), this::localKey);
      client.tracking().register(near, client.router(), sync);
    } else {
      this.near = null;
    }
  }

  /** Values served from the near cache without asking the server. */
  public long nearCacheHits() {
    return near == null ? 0 : near.hits.sum();
  }

  /** Entries in the near cache now (0 without one). */
  public long nearCacheSize() {
    return near == null ? 0 : near.size();
  }

  NearCache<V> nearCache() {
    return near;
  }

  public String name() {
    return options.name();
  }

  public CacheStats stats() {
    return stats;
  }

  /** The stored key for {@code key}: the cache's prefix and the encoded key. */
  public byte[] keyBytes(K key) {
    byte[] k = keyCodec.encode(key);
    byte[] out = Arrays.copyOf(prefix, prefix.length + k.length);
    System.arraycopy(k, 0, out, prefix.length, k.length);
    return out;
  }

  /** The value, or null when absent (or negatively cached). */
  public V get(K key) {
    if (near == null) {
      byte[] raw = sync.await(commands.get(keyBytes(key)));
      count(raw);
      return decode(raw);
    }
    Object id = NearCache.local(key);
    V cached = near.getIfPresent(id);
    if (cached != null) {
      stats.hits.increment();
      return cached;
    }
    Object token = near.beginFill(id);
    byte[] raw = sync.await(commands.get(keyBytes(key)));
    count(raw);
    V v = decode(raw);
    near.completeFill(id, token, v);
    return v;
  }

  /** Values of the keys that have one, in the order of {@code keys}; one MGET per slot. */
  public Map<K, V> getAll(Collection<? extends K> keys) {
    List<K> list = new ArrayList<>(keys);
    List<byte[]> encoded = new ArrayList<>(list.size());
    for (K k : list) {
      encoded.add(keyBytes(k));
    }
    List<byte[]> raw = sync.await(commands.mget(encoded));
    Map<K, V> out = new LinkedHashMap<>();
    for (int i = 0; i < list.size(); i++) {
      count(raw.get(i));
      V v = decode(raw.get(i));
      if (v != null) {
        out.put(list.get(i), v);
      }
    }
    return out;
  }

  /** Stores with the default TTL (plus jitter), or without expiry when there is none. */
  public void put(K key, V value) {
    put(key, value, jittered(options.ttl()));
  }

  /** Stores with {@code ttl} exactly (null: no expiry). */
  public void put(K key, V value, Duration ttl) {
    byte[] v = valueCodec.encode(value);
    dropNear(key);
    if (ttl == null) {
      sync.await(commands.set(keyBytes(key), v));
    } else {
      sync.await(commands.set(keyBytes(key), v, SetArgs.ttl(ttl)));
    }
  }

  /** Stores only if the key has no value; true when stored. Default TTL with jitter. */
  public boolean putIfAbsent(K key, V value) {
    dropNear(key);
    SetArgs args = SetArgs.ifAbsent();
    Duration ttl = jittered(options.ttl());
    if (ttl != null) {
      args = args.withTtl(ttl);
    }
    return sync.await(commands.set(keyBytes(key), valueCodec.encode(value), args));
  }

  /** True when the key existed. */
  public boolean delete(K key) {
    dropNear(key);
    return sync.await(commands.del(keyBytes(key))) == 1;
  }

  /** After updating the source of truth: drop the cached value so the next read loads it. */
  public void invalidate(K key) {
    dropNear(key);
    sync.await(commands.del(keyBytes(key)));
  }

  /** True when the key exists and now expires after {@code ttl}. */
  public boolean expire(K key, Duration ttl) {
    return sync.await(commands.expire(keyBytes(key), ttl));
  }

  /**
   * INCRBY on the key's value, which must be stored as decimal text (the string codec's
   * {@code "41"}); returns the new value.
   */
  public long increment(K key, long delta) {
    dropNear(key);
    return sync.await(commands.incrBy(keyBytes(key), delta));
  }

  public V hget(K key, String field) {
    return decode(sync.await(commands.hget(keyBytes(key), field)));
  }

  /** True when the field is new. */
  public boolean hset(K key, String field, V value) {
    return sync.await(commands.hset(keyBytes(key), field, valueCodec.encode(value)));
  }

  public Map<String, V> hgetall(K key) {
    Map<String, V> out = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> e : sync.await(commands.hgetall(keyBytes(key))).entrySet()) {
      out.put(e.getKey(), valueCodec.decode(e.getValue()));
    }
    return out;
  }

  /** Publishes {@code message}, encoded by the value codec, on {@code channel}. */
  public long publish(String channel, V message) {
    return sync.await(commands.publish(channel, valueCodec.encode(message)));
  }

  /** Receives messages on {@code channel} decoded by the value codec. */
  public Subscription subscribe(String channel, Consumer<? super V> handler) {
    return client.subscribe(channel, m -> handler.accept(valueCodec.decode(m.payload())));
  }

  /**
   * Cache-aside read: the cached value, or the loader's (stored for the next reader). See the
   * class comment for the single-flight and the lease.
   */
  public V get(K key, Function<? super K, ? extends V> loader) {
    Object nearId = null;
    Object token = null;
    if (near != null) {
      nearId = NearCache.local(key);
      V cached = near.getIfPresent(nearId);
      if (cached != null) {
        stats.hits.increment();
        return cached;
      }
      token = near.beginFill(nearId);
    }
    byte[] k = keyBytes(key);
    byte[] raw = sync.await(commands.get(k));
    V value = decode(raw);
    if (near != null) {
      near.completeFill(nearId, token, value);
    }
    if (raw != null) {
      stats.hits.increment();
      return value;
    }
    stats.misses.increment();
    ByteBuffer id = ByteBuffer.wrap(k);
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> running = loading.putIfAbsent(id, mine);
    if (running != null) {
      stats.coalesced.increment();
      return SyncCommands.await(running, options.leaseTime().toMillis() * 2 + client.options().retryTimeout().toMillis());
    }
    try {
      V v = loadUnderLease(key, k, loader);
      mine.complete(v);
      return v;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      loading.remove(id, mine);
    }
  }

  private V loadUnderLease(K key, byte[] k, Function<? super K, ? extends V> loader) {
    byte[] leaseKey = Arrays.copyOf(k, k.length + LEASE_SUFFIX.length);
    System.arraycopy(LEASE_SUFFIX, 0, leaseKey, k.length, LEASE_SUFFIX.length);
    long pollNanos = LEASE_POLL_MIN_NANOS;
    boolean waited = false;
    for (; ; ) {
      byte[] token = leaseToken();
      if (sync.await(commands.set(leaseKey, token, SetArgs.ifAbsent().withTtl(options.leaseTime())))) {
        try {
          byte[] raw = sync.await(commands.get(k));
          if (raw != null) {
            return decode(raw);
          }
          V v = load(key, loader);
          store(k, v);
          return v;
        } finally {
          releaseLease(leaseKey, token);
        }
      }
      if (!waited) {
        waited = true;
        stats.leaseWaits.increment();
      }
      LockSupport.parkNanos(pollNanos);
      pollNanos = Math.min(pollNanos * 2, LEASE_POLL_MAX_NANOS);
      byte[] raw = sync.await(commands.get(k));
      if (raw != null) {
        return decode(raw);
      }
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new CorvidException("interrupted while waiting for another process to load " + Arrays.toString(k));
      }
    }
  }

  private V load(K key, Function<? super K, ? extends V> loader) {
    long start = System.nanoTime();
    stats.loads.increment();
    try {
      return loader.apply(key);
    } catch (RuntimeException | Error e) {
      stats.loadFailures.increment();
      throw e;
    } finally {
      stats.loadNanos.add(System.nanoTime() - start);
    }
  }

  private void store(byte[] k, V v) {
    if (v == null) {
      if (options.negativeTtl() != null) {
        sync.await(commands.set(k, NEGATIVE_MARKER, SetArgs.ttl(options.negativeTtl())));
      }
      return;
    }
    Duration ttl = jittered(options.ttl());
    byte[] encoded = valueCodec.encode(v);
    sync.await(ttl == null ? commands.set(k, encoded) : commands.set(k, encoded, SetArgs.ttl(ttl)));
  }

  private void releaseLease(byte[] leaseKey, byte[] token) {
    try {
      byte[] holder = sync.await(commands.get(leaseKey));
      if (Arrays.equals(holder, token)) {
        sync.await(commands.del(leaseKey));
      }
    } catch (CorvidException e) {
      // the lease expires by itself
    }
  }

  private static byte[] leaseToken() {
    byte[] random = new byte[12];
    ThreadLocalRandom.current().nextBytes(random);
    return HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII);
  }

  /** {@code ttl} plus up to {@code ttlJitter * ttl} at random. */
  Duration jittered(Duration ttl) {
    if (ttl == null || options.ttlJitter() == 0) {
      return ttl;
    }
    long ms = ttl.toMillis();
    long extra = (long) (ms * options.ttlJitter() * ThreadLocalRandom.current().nextDouble());
    return Duration.ofMillis(ms + extra);
  }

  /** Our own write: the server's invalidation will follow, but this thread must not read the old value. */
  private void dropNear(K key) {
    if (near != null) {
      near.invalidateLocal(NearCache.local(key));
    }
  }

  /**
   * The near cache's key for a key as stored on the server ({@code name:} and the encoded key),
   * or null when it is not one of this cache's (another cache's key, a lease key whose rest the
   * key codec cannot read).
   */
  private Object localKey(ByteBuffer serverKey) {
    int n = serverKey.remaining();
    if (n < prefix.length) {
      return null;
    }
    int at = serverKey.position();
    for (int i = 0; i < prefix.length; i++) {
      if (serverKey.get(at + i) != prefix[i]) {
        return null;
      }
    }
    byte[] rest = new byte[n - prefix.length];
    serverKey.get(at + prefix.length, rest);
    try {
      return NearCache.local(keyCodec.decode(rest));
    } catch (RuntimeException e) {
      return null;
    }
  }

  private void count(byte[] raw) {
    (raw == null ? stats.misses : stats.hits).increment();
  }

  private V decode(byte[] raw) {
    if (raw == null || Arrays.equals(raw, NEGATIVE_MARKER)) {
      return null;
    }
    return valueCodec.decode(raw);
  }
}
