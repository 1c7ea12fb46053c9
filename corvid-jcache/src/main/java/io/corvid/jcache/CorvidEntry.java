package io.corvid.jcache;

import java.util.Objects;
import javax.cache.Cache;

/** An entry handed to a CacheWriter or returned by the iterator. */
public final class CorvidEntry<K, V> implements Cache.Entry<K, V> {
  private final K key;
  private final V value;

  CorvidEntry(K key, V value) {
    this.key = Objects.requireNonNull(key, "key");
    this.value = Objects.requireNonNull(value, "value");
  }

  @Override
  public K getKey() {
    return key;
  }

  @Override
  public V getValue() {
    return value;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("cannot unwrap a cache entry to " + clazz.getName());
  }

  @Override
  public String toString() {
    return "CorvidEntry{" + key + "=" + value + "}";
  }
}
