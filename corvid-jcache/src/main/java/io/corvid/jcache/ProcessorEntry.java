package io.corvid.jcache;

import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import javax.cache.processor.MutableEntry;

/**
 * The entry an EntryProcessor sees. It records what the processor did; the cache applies the
 * net effect afterwards (under the key's lock): nothing, an access, a load, a create, an update
 * or a remove.
 */
final class ProcessorEntry<K, V> implements MutableEntry<K, V> {
  enum Operation { NONE, ACCESS, LOAD, CREATE, UPDATE, REMOVE }

  private final K key;
  private final V original;
  private final boolean existed;
  private final CacheLoader<K, V> loader;
  private V value;
  private Operation operation = Operation.NONE;

  ProcessorEntry(K key, V original, boolean existed, CacheLoader<K, V> loader) {
    this.key = key;
    this.original = original;
    this.existed = existed;
    this.loader = loader;
    this.value = original;
  }

  Operation operation() {
    return operation;
  }

  @Override
  public K getKey() {
    return key;
  }

  @Override
  public V getValue() {
    if (operation == Operation.NONE) {
      if (existed) {
        operation = Operation.ACCESS;
      } else if (loader != null) {
        V loaded;
        try {
          loaded = loader.load(key);
        } catch (CacheLoaderException e) {
          throw e;
        } catch (Exception e) {
          throw new CacheLoaderException("the CacheLoader failed: " + e, e);
        }
        if (loaded != null) {
          value = loaded;
          operation = Operation.LOAD;
        }
      }
    }
    return value;
  }

  @Override
  public boolean exists() {
    if (operation == Operation.NONE || operation == Operation.ACCESS) {
      return existed;
    }
    return value != null;
  }

  @Override
  public void remove() {
    operation = (operation == Operation.CREATE || operation == Operation.LOAD) ? Operation.NONE : Operation.REMOVE;
    value = null;
  }

  @Override
  public void setValue(V newValue) {
    if (newValue == null) {
      throw new NullPointerException("value is null");
    }
    operation = existed ? Operation.UPDATE : Operation.CREATE;
    value = newValue;
  }

  V original() {
    return original;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("cannot unwrap a mutable entry to " + clazz.getName());
  }
}
