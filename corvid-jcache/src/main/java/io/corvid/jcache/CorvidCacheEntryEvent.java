package io.corvid.jcache;

import javax.cache.Cache;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;

/**
 * One event. CREATED carries the new value and no old value; UPDATED the new and the old value;
 * REMOVED and EXPIRED carry the value that was removed or expired, both as value and as old value
 * (JSR-107 1.1, {@link CacheEntryEvent#getValue()}).
 */
public final class CorvidCacheEntryEvent<K, V> extends CacheEntryEvent<K, V> {
  private static final long serialVersionUID = 1L;
  private final K key;
  private final V value;
  private final V oldValue;
  private final boolean oldValueAvailable;

  CorvidCacheEntryEvent(Cache<K, V> source, EventType type, K key, V value, V oldValue, boolean oldValueAvailable) {
    super(source, type);
    this.key = key;
    this.value = value;
    this.oldValue = oldValue;
    this.oldValueAvailable = oldValueAvailable;
  }

  static <K, V> CorvidCacheEntryEvent<K, V> created(Cache<K, V> source, K key, V value) {
    return new CorvidCacheEntryEvent<>(source, EventType.CREATED, key, value, null, false);
  }

  static <K, V> CorvidCacheEntryEvent<K, V> updated(Cache<K, V> source, K key, V value, V oldValue) {
    return new CorvidCacheEntryEvent<>(source, EventType.UPDATED, key, value, oldValue, true);
  }

  static <K, V> CorvidCacheEntryEvent<K, V> removed(Cache<K, V> source, K key, V oldValue) {
    return new CorvidCacheEntryEvent<>(source, EventType.REMOVED, key, oldValue, oldValue, true);
  }

  static <K, V> CorvidCacheEntryEvent<K, V> expired(Cache<K, V> source, K key, V oldValue) {
    return new CorvidCacheEntryEvent<>(source, EventType.EXPIRED, key, oldValue, oldValue, true);
  }

  /** The same event as a listener that did not ask for old values sees it. */
  CorvidCacheEntryEvent<K, V> withoutOldValue() {
    if (getEventType() != EventType.UPDATED) {
      return this;
    }
    return new CorvidCacheEntryEvent<>(getSource(), getEventType(), key, value, null, false);
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
  public V getOldValue() {
    return oldValue;
  }

  @Override
  public boolean isOldValueAvailable() {
    return oldValueAvailable;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("cannot unwrap an event to " + clazz.getName());
  }

  @Override
  public String toString() {
    return "CorvidCacheEntryEvent{" + getEventType() + " " + key + "=" + value + (oldValueAvailable ? " old=" + oldValue : "") + "}";
  }
}
