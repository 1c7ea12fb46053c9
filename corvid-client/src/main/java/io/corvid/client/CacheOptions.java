package io.corvid.client;

import io.corvid.client.codec.Codec;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link CorvidCache} stores its entries: the key prefix ({@code name + ":"}), the codecs,
 * the default TTL and its jitter, negative caching, and the cross-process load lease.
 */
public final class CacheOptions<K, V> {
  /** Extra TTL added at random, as a fraction of the TTL, so entries written together do not expire together. */
  public static final double DEFAULT_TTL_JITTER = 0.1;
  /** How long a process may hold the lease to load one key before others may take over. */
  public static final Duration DEFAULT_LEASE_TIME = Duration.ofSeconds(10);

  private final String name;
  private final Codec<K> keyCodec;
  private final Codec<V> valueCodec;
  private Duration ttl;
  private double ttlJitter = DEFAULT_TTL_JITTER;
  private Duration negativeTtl;
  private Duration leaseTime = DEFAULT_LEASE_TIME;
  private long nearCacheMaxEntries;
  private Duration nearCacheTtl;

  private CacheOptions(String name, Codec<K> keyCodec, Codec<V> valueCodec) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("cache name must not be empty");
    }
    this.name = name;
    this.keyCodec = Objects.requireNonNull(keyCodec);
    this.valueCodec = Objects.requireNonNull(valueCodec);
  }

  public static <K, V> CacheOptions<K, V> of(String name, Codec<K> keyCodec, Codec<V> valueCodec) {
    return new CacheOptions<>(name, keyCodec, valueCodec);
  }

  /** Default TTL of {@code put} and of values loaded by {@code get(key, loader)}; null = no expiry. */
  public CacheOptions<K, V> ttl(Duration ttl) {
    if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
      throw new IllegalArgumentException("ttl must be positive");
    }
    this.ttl = ttl;
    return this;
  }

  /** 0 for none; at most 1 (the TTL may double). */
  public CacheOptions<K, V> ttlJitter(double fraction) {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException("ttlJitter must be between 0 and 1");
    }
    this.ttlJitter = fraction;
    return this;
  }

  /** Remember "the loader found nothing" for this long; null (the default) to not remember it. */
  public CacheOptions<K, V> negativeTtl(Duration negativeTtl) {
    if (negativeTtl != null && (negativeTtl.isNegative() || negativeTtl.isZero())) {
      throw new IllegalArgumentException("negativeTtl must be positive");
    }
    this.negativeTtl = negativeTtl;
    return this;
  }

  public CacheOptions<K, V> leaseTime(Duration leaseTime) {
    if (leaseTime.isNegative() || leaseTime.isZero()) {
      throw new IllegalArgumentException("leaseTime must be positive");
    }
    this.leaseTime = leaseTime;
    return this;
  }

  /**
   * Keeps up to {@code maxEntries} values in process (Caffeine), each for at most {@code ttl}
   * (a safety net: CLIENT TRACKING invalidations keep them coherent). Needs RESP3 and a server
   * with CLIENT TRACKING.
   */
  public CacheOptions<K, V> nearCache(long maxEntries, Duration ttl) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("near cache maxEntries must be at least 1");
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("near cache ttl must be positive");
    }
    this.nearCacheMaxEntries = maxEntries;
    this.nearCacheTtl = ttl;
    return this;
  }

  /** 0 when there is no near cache. */
  public long nearCacheMaxEntries() { return nearCacheMaxEntries; }
  public Duration nearCacheTtl() { return nearCacheTtl; }
  public String name() { return name; }
  public Codec<K> keyCodec() { return keyCodec; }
  public Codec<V> valueCodec() { return valueCodec; }
  public Duration ttl() { return ttl; }
  public double ttlJitter() { return ttlJitter; }
  public Duration negativeTtl() { return negativeTtl; }
  public Duration leaseTime() { return leaseTime; }
}
