package io.corvid.jcache;

import java.io.Closeable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.EventType;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import javax.cache.integration.CompletionListener;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;

/**
 * A JSR-107 cache whose entries live in Corvid (see {@link Store} for the layout). Each operation
 * reads the entry, decides what JSR-107 says (created or updated, expired or not, which expiry
 * policy method applies, which events and statistics), writes through to the CacheWriter first,
 * then writes the server; all of it under the key's lock ({@link KeyLocks}) so that it is atomic
 * among this JVM's threads. Events, statistics and the MBeans belong to this JVM's cache instance.
 */
public final class CorvidJCache<K, V> implements Cache<K, V> {
  private final CorvidCacheManager manager;
  private final String name;
  private final MutableConfiguration<K, V> configuration;
  private final Store store;
  private final Serializer serializer;
  private final KeyLocks locks = new KeyLocks();
  private final ExpiryPolicy expiryPolicy;
  private final boolean eternal;
  /** The policy never changes the expiry on access: a read needs no write (Eternal, Created, Modified). */
  private final boolean readOnlyAccess;
  private final CacheLoader<K, V> loader;
  private final CacheWriter<K, V> writer;
  private final List<ListenerRegistration<K, V>> listeners = new CopyOnWriteArrayList<>();
  private final CorvidCacheStatistics statistics = new CorvidCacheStatistics();
  private final CorvidCacheMXBean mxBean = new CorvidCacheMXBean(this);
  private final ExecutorService executor;
  private volatile boolean closed;

  @SuppressWarnings("unchecked")
  CorvidJCache(CorvidCacheManager manager, String name, Store store, Configuration<K, V> config) {
    this.manager = manager;
    this.name = name;
    this.store = store;
    this.serializer = new Serializer(manager.getClassLoader());
    if (config instanceof CompleteConfiguration) {
      this.configuration = new MutableConfiguration<>((CompleteConfiguration<K, V>) config);
    } else {
      MutableConfiguration<K, V> c = new MutableConfiguration<>();
      c.setTypes(config.getKeyType(), config.getValueType());
      c.setStoreByValue(config.isStoreByValue());
      this.configuration = c;
    }
    if (!configuration.isStoreByValue()) {
      // the one optional feature of JSR-107; entries live in another process
      throw new UnsupportedOperationException("corvid-jcache stores by value only: store-by-reference is not supported");
    }
    this.expiryPolicy = configuration.getExpiryPolicyFactory() == null ? new EternalExpiryPolicy() : configuration.getExpiryPolicyFactory().create();
    this.eternal = expiryPolicy instanceof EternalExpiryPolicy;
    this.readOnlyAccess = eternal || expiryPolicy.getClass() == CreatedExpiryPolicy.class || expiryPolicy.getClass() == ModifiedExpiryPolicy.class;
    this.loader = configuration.getCacheLoaderFactory() == null ? null : (CacheLoader<K, V>) configuration.getCacheLoaderFactory().create();
    this.writer = configuration.getCacheWriterFactory() == null ? null : (CacheWriter<K, V>) configuration.getCacheWriterFactory().create();
    for (CacheEntryListenerConfiguration<K, V> lc : configuration.getCacheEntryListenerConfigurations()) {
      listeners.add(new ListenerRegistration<>(lc));
    }
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "corvid-jcache-" + name);
      t.setDaemon(true);
      return t;
    });
    if (configuration.isManagementEnabled()) {
      Jmx.register(this, Jmx.CONFIGURATION, mxBean);
    }
    if (configuration.isStatisticsEnabled()) {
      Jmx.register(this, Jmx.STATISTICS, statistics);
    }
  }

  // ---------------------------------------------------------------- plumbing

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("cache " + name + " is closed");
    }
  }

  private boolean stats() {
    return configuration.isStatisticsEnabled();
  }

  private long grace() {
    for (ListenerRegistration<K, V> r : listeners) {
      if (r.wants(EventType.EXPIRED)) {
        return manager.expiredGraceMillis();
      }
    }
    return 0;
  }

  private byte[] keyBytes(Object key) {
    if (key == null) {
      throw new NullPointerException("key is null");
    }
    return store.serverKey(serializer.toBytes(key));
  }

  private static void requireValue(Object value, String what) {
    if (value == null) {
      throw new NullPointerException(what + " is null");
    }
  }

  @SuppressWarnings("unchecked")
  private V value(Store.Stored s) {
    return (V) serializer.fromBytes(s.raw, Store.HEADER);
  }

  @SuppressWarnings("unchecked")
  private K keyOf(byte[] serverKey) {
    return (K) serializer.fromBytes(store.serializedKey(serverKey), 0);
  }

  private long creationExpiry(long now) {
    if (eternal) {
      return Long.MAX_VALUE;
    }
    Duration d;
    try {
      d = expiryPolicy.getExpiryForCreation();
    } catch (Throwable t) {
      d = Duration.ETERNAL;
    }
    return d == null ? Long.MAX_VALUE : adjusted(d, now);
  }

  /** The new expiry after an update, or {@code current} when the policy leaves it alone. */
  private long updateExpiry(long current, long now) {
    if (eternal) {
      return current;
    }
    try {
      Duration d = expiryPolicy.getExpiryForUpdate();
      return d == null ? current : adjusted(d, now);
    } catch (Throwable t) {
      return current;
    }
  }

  private long accessExpiry(long current, long now) {
    if (eternal) {
      return current;
    }
    try {
      Duration d = expiryPolicy.getExpiryForAccess();
      return d == null ? current : adjusted(d, now);
    } catch (Throwable t) {
      return current;
    }
  }

  private static long adjusted(Duration d, long now) {
    if (d.isEternal()) {
      return Long.MAX_VALUE;
    }
    long t = d.getAdjustedTime(now);
    return t == Long.MAX_VALUE ? Long.MAX_VALUE : t;
  }

  /** Applies the access expiry to an entry just read (a server write only when it changes). */
  private void touched(byte[] k, Store.Stored s, long now) {
    long e = accessExpiry(s.expiryTime, now);
    if (e != s.expiryTime) {
      store.touch(k, e, now, grace());
    }
  }

  private void write(Cache.Entry<K, V> entry) {
    throughWriter(w -> w.write(entry));
  }

  private void writeDelete(K key) {
    throughWriter(w -> w.delete(key));
  }

  /** Calls the CacheWriter when write-through is on; its failures become CacheWriterException. */
  private void throughWriter(java.util.function.Consumer<CacheWriter<K, V>> call) {
    if (!configuration.isWriteThrough() || writer == null) {
      return;
    }
    try {
      call.accept(writer);
    } catch (CacheWriterException e) {
      throw e;
    } catch (Exception e) {
      throw new CacheWriterException("the CacheWriter failed: " + e, e);
    }
  }

  private V load(K key) {
    try {
      return loader.load(key);
    } catch (CacheLoaderException e) {
      throw e;
    } catch (Exception e) {
      throw new CacheLoaderException("the CacheLoader failed: " + e, e);
    }
  }

  private void dispatch(EventDispatcher<K, V> events) {
    events.dispatch(listeners, executor);
  }

  // ---------------------------------------------------------------- transactions

  /** How often one operation is tried when other clients keep changing its key. */
  static final int MAX_ATTEMPTS = 100;

  /**
   * Runs {@code body} under the key's lock inside an optimistic transaction ({@link Store#begin}),
   * again until it commits, then dispatches the events of the attempt that committed. The body
   * must be repeatable: it reads through the store, decides, calls writers and queues writes;
   * statistics are counted by the caller from what it returns.
   */
  private <R> R atomically(byte[] k, Function<EventDispatcher<K, V>, R> body) {
    ReentrantLock lock = locks.lockFor(k);
    lock.lock();
    try {
      for (int attempt = 1; ; attempt++) {
        EventDispatcher<K, V> events = new EventDispatcher<>();
        store.begin(k);
        R result;
        try {
          result = body.apply(events);
        } catch (RuntimeException | Error e) {
          store.abandon(k);
          throw e;
        }
        if (store.commit(k)) {
          dispatch(events);
          return result;
        }
        if (attempt >= MAX_ATTEMPTS) {
          throw new CacheException("cache " + name + ": the key changed under " + attempt + " attempts in a row (other clients write it)");
        }
        backoff(attempt);
      }
    } finally {
      lock.unlock();
    }
  }

  private static void backoff(int attempt) {
    if (attempt < 3) {
      return;
    }
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, Math.min(50, 1L << Math.min(attempt, 6)) + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheException("interrupted", e);
    }
  }

  /** A value and whether it was found in the cache (a hit) rather than absent or loaded. */
  private static final class Got<V> {
    final V value;
    final boolean hit;

    Got(V value, boolean hit) {
      this.value = value;
      this.hit = hit;
    }
  }

  // ---------------------------------------------------------------- reads

  @Override
  public V get(K key) {
    ensureOpen();
    return getValue(key);
  }

  private V getValue(K key) {
    byte[] k = keyBytes(key);
    long start = stats() ? System.nanoTime() : 0;
    Got<V> got = null;
    if (readOnlyAccess) {
      // a read changes nothing: a plain GET decides a hit, and a miss without read-through
      Store.Stored s = store.read(k);
      long now = System.currentTimeMillis();
      if (s != null && !s.isExpiredAt(now)) {
        got = new Got<>(value(s), true);
      } else if (s == null && !(configuration.isReadThrough() && loader != null)) {
        got = new Got<>(null, false);
      }
    }
    if (got == null) {
      got = atomically(k, events -> getLocked(k, key, events));
    }
    if (stats()) {
      statistics.read(got.hit, start);
    }
    return got.value;
  }

  private Got<V> getLocked(byte[] k, K key, EventDispatcher<K, V> events) {
    long now = System.currentTimeMillis();
    Store.Stored s = store.read(k);
    if (s != null && !s.isExpiredAt(now)) {
      V v = value(s);
      touched(k, s, now);
      return new Got<>(v, true);
    }
    if (s != null) {
      expire(k, key, s, events);
    }
    if (!configuration.isReadThrough() || loader == null) {
      return new Got<>(null, false);
    }
    V loaded = load(key);
    if (loaded == null) {
      return new Got<>(null, false);
    }
    long expiry = creationExpiry(now);
    if (expiry > now) {
      store.write(k, expiry, serializer.toBytes(loaded), now, grace());
      events.add(CorvidCacheEntryEvent.created(this, key, loaded));
    }
    return new Got<>(loaded, false);
  }

  /** An entry found expired: removed from the server and reported as EXPIRED. */
  private void expire(byte[] k, K key, Store.Stored s, EventDispatcher<K, V> events) {
    store.delete(k);
    events.add(CorvidCacheEntryEvent.expired(this, key, value(s)));
  }

  @Override
  public Map<K, V> getAll(Set<? extends K> keys) {
    ensureOpen();
    for (K key : keys) {
      if (key == null) {
        throw new NullPointerException("keys contain null");
      }
    }
    Map<K, V> out = new HashMap<>();
    if (configuration.isReadThrough() && loader != null) {
      for (K key : keys) {
        V v = getValue(key);
        if (v != null) {
          out.put(key, v);
        }
      }
      return out;
    }
    // one MGET for the lot; a transaction per key only where expiry needs bookkeeping
    List<K> order = new ArrayList<>(keys);
    List<byte[]> ks = new ArrayList<>(order.size());
    for (K key : order) {
      ks.add(keyBytes(key));
    }
    long start = stats() ? System.nanoTime() : 0;
    long now = System.currentTimeMillis();
    List<Store.Stored> found = order.isEmpty() ? List.of() : store.readAll(ks);
    long hits = 0;
    for (int i = 0; i < order.size(); i++) {
      Store.Stored s = found.get(i);
      if (s == null) {
        continue;
      }
      if (readOnlyAccess && !s.isExpiredAt(now)) {
        out.put(order.get(i), value(s));
        hits++;
        continue;
      }
      byte[] k = ks.get(i);
      K key = order.get(i);
      Got<V> got = atomically(k, events -> {
        long t = System.currentTimeMillis();
        Store.Stored again = store.read(k);
        if (again == null) {
          return new Got<>(null, false);
        }
        if (again.isExpiredAt(t)) {
          expire(k, key, again, events);
          return new Got<>(null, false);
        }
        V v = value(again);
        touched(k, again, t);
        return new Got<>(v, true);
      });
      if (got.hit) {
        out.put(key, got.value);
        hits++;
      }
    }
    if (stats()) {
      statistics.hits(hits);
      statistics.misses(order.size() - hits);
      statistics.getTime(System.nanoTime() - start);
    }
    return out;
  }

  @Override
  public boolean containsKey(K key) {
    ensureOpen();
    byte[] k = keyBytes(key);
    Store.Stored s = store.read(k);
    return s != null && !s.isExpiredAt(System.currentTimeMillis());
  }

  @Override
  public void loadAll(Set<? extends K> keys, boolean replaceExistingValues, CompletionListener completionListener) {
    ensureOpen();
    if (keys == null) {
      throw new NullPointerException("keys is null");
    }
    for (K key : keys) {
      if (key == null) {
        throw new NullPointerException("keys contain null");
      }
    }
    if (loader == null) {
      if (completionListener != null) {
        completionListener.onCompletion();
      }
      return;
    }
    List<K> copy = new ArrayList<>(keys);
    executor.execute(() -> {
      try {
        List<K> toLoad = new ArrayList<>();
        for (K key : copy) {
          if (replaceExistingValues || !containsKey(key)) {
            toLoad.add(key);
          }
        }
        Map<K, V> loaded;
        try {
          loaded = loader.loadAll(toLoad);
        } catch (CacheLoaderException e) {
          throw e;
        } catch (Exception e) {
          throw new CacheLoaderException("the CacheLoader failed: " + e, e);
        }
        Map<K, V> values = new LinkedHashMap<>();
        if (loaded != null) {
          for (Map.Entry<K, V> e : loaded.entrySet()) {
            if (e.getKey() != null && e.getValue() != null) {
              values.put(e.getKey(), e.getValue());
            }
          }
        }
        putAllInternal(values, replaceExistingValues, false, false);
        if (completionListener != null) {
          completionListener.onCompletion();
        }
      } catch (Exception e) {
        if (completionListener != null) {
          completionListener.onException(e);
        }
      }
    });
  }

  // ---------------------------------------------------------------- writes

  private static final int STORED = 0;
  private static final int PRESENT = 1;
  private static final int EXPIRED_AT_ONCE = 2;

  /** When nothing depends on whether the entry existed, a put is one plain SET. */
  private boolean blindPut(boolean writeThrough) {
    return eternal && listeners.isEmpty() && !(writeThrough && configuration.isWriteThrough() && writer != null);
  }

  @Override
  public void put(K key, V value) {
    ensureOpen();
    requireValue(value, "value");
    long start = stats() ? System.nanoTime() : 0;
    byte[] k = keyBytes(key);
    byte[] v = serializer.toBytes(value);
    int outcome;
    if (blindPut(true)) {
      ReentrantLock lock = locks.lockFor(k);
      lock.lock();
      try {
        store.write(k, Long.MAX_VALUE, v, System.currentTimeMillis(), 0);
      } finally {
        lock.unlock();
      }
      outcome = STORED;
    } else {
      outcome = atomically(k, events -> putLocked(k, key, value, v, true, true, events));
    }
    if (outcome == STORED && stats()) {
      statistics.stored(1, start);
    }
  }

  /**
   * The put decision inside a transaction: STORED, PRESENT (the entry exists and {@code replace}
   * is false) or EXPIRED_AT_ONCE (the creation expiry is zero: nothing stored).
   */
  private int putLocked(byte[] k, K key, V value, byte[] v, boolean replace, boolean writeThrough, EventDispatcher<K, V> events) {
    long now = System.currentTimeMillis();
    Store.Stored s = store.read(k);
    if (s == null || s.isExpiredAt(now)) {
      if (writeThrough) {
        write(new CorvidEntry<>(key, value));
      }
      if (s != null) {
        events.add(CorvidCacheEntryEvent.expired(this, key, value(s)));
      }
      long expiry = creationExpiry(now);
      if (expiry <= now) {
        if (s != null) {
          store.delete(k);
        }
        return EXPIRED_AT_ONCE;
      }
      store.write(k, expiry, v, now, grace());
      events.add(CorvidCacheEntryEvent.created(this, key, value));
      return STORED;
    }
    if (!replace) {
      return PRESENT;
    }
    V old = value(s);
    if (writeThrough) {
      write(new CorvidEntry<>(key, value));
    }
    store.write(k, updateExpiry(s.expiryTime, now), v, now, grace());
    events.add(CorvidCacheEntryEvent.updated(this, key, value, old));
    return STORED;
  }

  @Override
  public V getAndPut(K key, V value) {
    ensureOpen();
    requireValue(value, "value");
    long start = stats() ? System.nanoTime() : 0;
    byte[] k = keyBytes(key);
    byte[] v = serializer.toBytes(value);
    Object[] result = atomically(k, events -> {
      Store.Stored s = store.read(k);
      V old = s != null && !s.isExpiredAt(System.currentTimeMillis()) ? value(s) : null;
      return new Object[] {old, putLocked(k, key, value, v, true, true, events)};
    });
    @SuppressWarnings("unchecked")
    V old = (V) result[0];
    if (stats()) {
      statistics.read(old != null, start);
      if ((int) result[1] == STORED) {
        statistics.stored(1, start);
      }
    }
    return old;
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> map) {
    ensureOpen();
    if (map == null) {
      throw new NullPointerException("map is null");
    }
    for (Map.Entry<? extends K, ? extends V> e : map.entrySet()) {
      if (e.getKey() == null) {
        throw new NullPointerException("map contains a null key");
      }
      if (e.getValue() == null) {
        throw new NullPointerException("map contains a null value");
      }
    }
    putAllInternal(map, true, true, true);
  }

  private void putAllInternal(Map<? extends K, ? extends V> map, boolean replace, boolean useWriter, boolean countPuts) {
    long start = stats() ? System.nanoTime() : 0;
    Map<K, V> toPut = new LinkedHashMap<>(map);
    CacheWriterException failure = null;
    if (useWriter && configuration.isWriteThrough() && writer != null && !toPut.isEmpty()) {
      List<Cache.Entry<? extends K, ? extends V>> entries = new ArrayList<>();
      for (Map.Entry<K, V> e : toPut.entrySet()) {
        entries.add(new CorvidEntry<>(e.getKey(), e.getValue()));
      }
      try {
        writer.writeAll(entries);
      } catch (CacheWriterException e) {
        failure = e;
      } catch (Exception e) {
        failure = new CacheWriterException("the CacheWriter failed: " + e, e);
      }
      if (failure != null) {
        // what the writer left in the collection was not written: do not cache it either
        for (Cache.Entry<? extends K, ? extends V> left : entries) {
          toPut.remove(left.getKey());
        }
      }
    }
    long stored = 0;
    boolean blind = replace && blindPut(false);
    for (Map.Entry<K, V> e : toPut.entrySet()) {
      byte[] k = keyBytes(e.getKey());
      byte[] v = serializer.toBytes(e.getValue());
      if (blind) {
        ReentrantLock lock = locks.lockFor(k);
        lock.lock();
        try {
          store.write(k, Long.MAX_VALUE, v, System.currentTimeMillis(), 0);
        } finally {
          lock.unlock();
        }
        stored++;
      } else if (atomically(k, events -> putLocked(k, e.getKey(), e.getValue(), v, replace, false, events)) == STORED) {
        stored++;
      }
    }
    if (countPuts && stats()) {
      statistics.stored(stored, start);
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public boolean putIfAbsent(K key, V value) {
    ensureOpen();
    requireValue(value, "value");
    long start = stats() ? System.nanoTime() : 0;
    byte[] k = keyBytes(key);
    byte[] v = serializer.toBytes(value);
    int outcome = atomically(k, events -> putLocked(k, key, value, v, false, true, events));
    boolean stored = outcome == STORED;
    if (stats()) {
      // JSR-107 counts putIfAbsent as a read: a hit when it found a value, else a miss
      statistics.read(outcome == PRESENT, start);
      if (stored) {
        statistics.stored(1, start);
      }
    }
    return stored;
  }

  @Override
  public boolean remove(K key) {
    ensureOpen();
    long start = stats() ? System.nanoTime() : 0;
    byte[] k = keyBytes(key);
    boolean removed = atomically(k, events -> {
      writeDelete(key);
      return removeLocked(k, key, events) != null;
    });
    if (removed && stats()) {
      statistics.removed(1, start);
    }
    return removed;
  }

  /** Deletes the entry; returns the value it had, null when absent or expired. */
  private V removeLocked(byte[] k, K key, EventDispatcher<K, V> events) {
    Store.Stored s = store.read(k);
    if (s == null) {
      return null;
    }
    store.delete(k);
    V old = value(s);
    if (s.isExpiredAt(System.currentTimeMillis())) {
      events.add(CorvidCacheEntryEvent.expired(this, key, old));
      return null;
    }
    events.add(CorvidCacheEntryEvent.removed(this, key, old));
    return old;
  }

  @Override
  public boolean remove(K key, V oldValue) {
    ensureOpen();
    requireValue(oldValue, "oldValue");
    long start = stats() ? System.nanoTime() : 0;
    byte[] k = keyBytes(key);
    byte[] ov = serializer.toBytes(oldValue);
    int outcome = ifValueIs(k, key, ov, (s, now, events) -> {
      writeDelete(key);
      store.delete(k);
      events.add(CorvidCacheEntryEvent.removed(this, key, value(s)));
    });
    if (stats()) {
      statistics.read(outcome > 0, start);
      if (outcome == 2) {
        statistics.removed(1, start);
      }
    }
    return outcome == 2;
  }

  /** What remove(k, v) and replace(k, old, new) do to an entry holding the expected value. */
  private interface OnMatch<K, V> {
    void apply(Store.Stored s, long now, EventDispatcher<K, V> events);
  }

  /**
   * The compare step of remove(k, v) and replace(k, old, new), in a transaction: 0 when there is
   * no (unexpired) entry, 1 when it holds another value (an access), 2 when it held
   * {@code expected} and {@code onMatch} ran.
   */
  private int ifValueIs(byte[] k, K key, byte[] expected, OnMatch<K, V> onMatch) {
    return atomically(k, events -> {
      long now = System.currentTimeMillis();
      Store.Stored s = store.read(k);
      if (s == null) {
        return 0;
      }
      if (s.isExpiredAt(now)) {
        expire(k, key, s, events);
        return 0;
      }
      if (!s.sameValue(expected)) {
        touched(k, s, now);
        return 1;
      }
      onMatch.apply(s, now, events);
      return 2;
    });
  }

  @Override
  public V getAndRemove(K key) {
    ensureOpen();
    long start = stats() ? System.nanoTime() : 0;
    byte[] k = keyBytes(key);
    V old = atomically(k, events -> {
      writeDelete(key);
      return removeLocked(k, key, events);
    });
    if (stats()) {
      statistics.read(old != null, start);
      if (old != null) {
        statistics.removed(1, start);
      }
    }
    return old;
  }

  @Override
  public boolean replace(K key, V oldValue, V newValue) {
    ensureOpen();
    requireValue(oldValue, "oldValue");
    requireValue(newValue, "newValue");
    long start = stats() ? System.nanoTime() : 0;
    byte[] k = keyBytes(key);
    byte[] ov = serializer.toBytes(oldValue);
    byte[] nv = serializer.toBytes(newValue);
    int outcome = ifValueIs(k, key, ov, (s, now, events) -> {
      V old = value(s);
      write(new CorvidEntry<>(key, newValue));
      store.write(k, updateExpiry(s.expiryTime, now), nv, now, grace());
      events.add(CorvidCacheEntryEvent.updated(this, key, newValue, old));
    });
    if (stats()) {
      statistics.read(outcome > 0, start);
      if (outcome == 2) {
        statistics.stored(1, start);
      }
    }
    return outcome == 2;
  }

  @Override
  public boolean replace(K key, V value) {
    ensureOpen();
    requireValue(value, "value");
    long start = stats() ? System.nanoTime() : 0;
    boolean replaced = replaceInternal(key, value) != null;
    countReplace(replaced, start);
    return replaced;
  }

  @Override
  public V getAndReplace(K key, V value) {
    ensureOpen();
    requireValue(value, "value");
    long start = stats() ? System.nanoTime() : 0;
    V old = replaceInternal(key, value);
    countReplace(old != null, start);
    return old;
  }

  /** replace(k, v) and getAndReplace: a read, and a put when the entry was there. */
  private void countReplace(boolean replaced, long start) {
    if (stats()) {
      statistics.read(replaced, start);
      if (replaced) {
        statistics.stored(1, start);
      }
    }
  }

  /** Replaces an existing entry; returns its old value, null when there was none. */
  private V replaceInternal(K key, V value) {
    byte[] k = keyBytes(key);
    byte[] v = serializer.toBytes(value);
    return atomically(k, events -> {
      long now = System.currentTimeMillis();
      Store.Stored s = store.read(k);
      if (s == null) {
        return null;
      }
      if (s.isExpiredAt(now)) {
        expire(k, key, s, events);
        return null;
      }
      V old = value(s);
      write(new CorvidEntry<>(key, value));
      store.write(k, updateExpiry(s.expiryTime, now), v, now, grace());
      events.add(CorvidCacheEntryEvent.updated(this, key, value, old));
      return old;
    });
  }

  @Override
  public void removeAll(Set<? extends K> keys) {
    ensureOpen();
    if (keys == null) {
      throw new NullPointerException("keys is null");
    }
    for (K key : keys) {
      if (key == null) {
        throw new NullPointerException("keys contain null");
      }
    }
    removeAllInternal(new ArrayList<>(keys));
  }

  @Override
  public void removeAll() {
    ensureOpen();
    List<K> keys = new ArrayList<>();
    for (byte[] k : store.allKeys()) {
      keys.add(keyOf(k));
    }
    removeAllInternal(keys);
  }

  private void removeAllInternal(List<K> keys) {
    long start = stats() ? System.nanoTime() : 0;
    List<K> toRemove = new ArrayList<>(keys);
    CacheWriterException failure = null;
    if (configuration.isWriteThrough() && writer != null && !toRemove.isEmpty()) {
      List<K> remaining = new ArrayList<>(toRemove);
      try {
        writer.deleteAll(remaining);
      } catch (CacheWriterException e) {
        failure = e;
      } catch (Exception e) {
        failure = new CacheWriterException("the CacheWriter failed: " + e, e);
      }
      if (failure != null) {
        // what the writer left in the collection was not deleted: keep it cached
        toRemove.removeAll(remaining);
      }
    }
    long removed = 0;
    for (K key : toRemove) {
      byte[] k = keyBytes(key);
      if (atomically(k, events -> removeLocked(k, key, events)) != null) {
        removed++;
      }
    }
    if (stats()) {
      statistics.removed(removed, start);
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public void clear() {
    ensureOpen();
    store.clear();
  }

  // ---------------------------------------------------------------- entry processors

  @Override
  public <T> T invoke(K key, EntryProcessor<K, V, T> entryProcessor, Object... arguments) {
    ensureOpen();
    if (key == null || entryProcessor == null) {
      throw new NullPointerException(key == null ? "key is null" : "entryProcessor is null");
    }
    byte[] k = keyBytes(key);
    long start = stats() ? System.nanoTime() : 0;
    Object[] out = atomically(k, events -> {
      long now = System.currentTimeMillis();
      Store.Stored s = store.read(k);
      if (s != null && s.isExpiredAt(now)) {
        expire(k, key, s, events);
        s = null;
      }
      ProcessorEntry<K, V> entry = new ProcessorEntry<>(key, s == null ? null : value(s), s != null,
          configuration.isReadThrough() ? loader : null);
      T result;
      try {
        result = entryProcessor.process(entry, arguments);
      } catch (EntryProcessorException e) {
        throw e;
      } catch (Exception e) {
        throw new EntryProcessorException(e);
      }
      applyProcessed(k, key, s, entry, now, events);
      return new Object[] {result, s != null, entry.operation()};
    });
    if (stats()) {
      // the lookup alone counts: a hit when the entry was there, else a miss
      statistics.read((boolean) out[1], start);
      ProcessorEntry.Operation op = (ProcessorEntry.Operation) out[2];
      if (op == ProcessorEntry.Operation.CREATE || op == ProcessorEntry.Operation.UPDATE) {
        statistics.stored(1, start);
      } else if (op == ProcessorEntry.Operation.REMOVE && (boolean) out[1]) {
        statistics.removed(1, start);
      }
    }
    @SuppressWarnings("unchecked")
    T result = (T) out[0];
    return result;
  }

  private void applyProcessed(byte[] k, K key, Store.Stored s, ProcessorEntry<K, V> entry, long now, EventDispatcher<K, V> events) {
    switch (entry.operation()) {
      case NONE:
        break;
      case ACCESS:
        if (s != null) {
          touched(k, s, now);
        }
        break;
      case LOAD: {
        long expiry = creationExpiry(now);
        if (expiry > now) {
          store.write(k, expiry, serializer.toBytes(entry.getValue()), now, grace());
          events.add(CorvidCacheEntryEvent.created(this, key, entry.getValue()));
        }
        break;
      }
      case CREATE: {
        V nv = entry.getValue();
        write(new CorvidEntry<>(key, nv));
        long expiry = creationExpiry(now);
        if (expiry > now) {
          store.write(k, expiry, serializer.toBytes(nv), now, grace());
          events.add(CorvidCacheEntryEvent.created(this, key, nv));
        }
        break;
      }
      case UPDATE: {
        V nv = entry.getValue();
        V old = value(s);
        write(new CorvidEntry<>(key, nv));
        store.write(k, updateExpiry(s.expiryTime, now), serializer.toBytes(nv), now, grace());
        events.add(CorvidCacheEntryEvent.updated(this, key, nv, old));
        break;
      }
      case REMOVE:
        writeDelete(key);
        if (s != null) {
          store.delete(k);
          events.add(CorvidCacheEntryEvent.removed(this, key, value(s)));
        }
        break;
      default:
        break;
    }
  }

  @Override
  public <T> Map<K, EntryProcessorResult<T>> invokeAll(Set<? extends K> keys, EntryProcessor<K, V, T> entryProcessor,
      Object... arguments) {
    ensureOpen();
    if (keys == null || entryProcessor == null) {
      throw new NullPointerException(keys == null ? "keys is null" : "entryProcessor is null");
    }
    for (K key : keys) {
      if (key == null) {
        throw new NullPointerException("keys contain null");
      }
    }
    Map<K, EntryProcessorResult<T>> out = new HashMap<>();
    for (K key : keys) {
      try {
        T r = invoke(key, entryProcessor, arguments);
        if (r != null) {
          out.put(key, () -> r);
        }
      } catch (Exception e) {
        EntryProcessorException epe = e instanceof EntryProcessorException ? (EntryProcessorException) e : new EntryProcessorException(e);
        out.put(key, () -> {
          throw epe;
        });
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- iteration

  @Override
  public Iterator<Entry<K, V>> iterator() {
    ensureOpen();
    return new EntryIterator();
  }

  private final class EntryIterator implements Iterator<Entry<K, V>> {
    private String cursor = "0";
    private boolean scanDone;
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private CorvidEntry<K, V> next;
    private CorvidEntry<K, V> last;

    private void fetch() {
      while (next == null) {
        if (pending.isEmpty()) {
          if (scanDone) {
            return;
          }
          List<byte[]> keys = new ArrayList<>();
          cursor = store.scan(cursor, keys);
          scanDone = cursor.equals("0");
          pending.addAll(keys);
          continue;
        }
        byte[] k = pending.poll();
        long start = stats() ? System.nanoTime() : 0;
        CorvidEntry<K, V> found;
        if (readOnlyAccess) {
          Store.Stored s = store.read(k);
          found = s == null || s.isExpiredAt(System.currentTimeMillis()) ? null : new CorvidEntry<>(keyOf(k), value(s));
        } else {
          found = atomically(k, events -> {
            long now = System.currentTimeMillis();
            Store.Stored s = store.read(k);
            if (s == null || s.isExpiredAt(now)) {
              return null;
            }
            CorvidEntry<K, V> e = new CorvidEntry<>(keyOf(k), value(s));
            touched(k, s, now);
            return e;
          });
        }
        if (found != null) {
          next = found;
          if (stats()) {
            statistics.read(true, start);
          }
        }
      }
    }

    @Override
    public boolean hasNext() {
      ensureOpen();
      fetch();
      return next != null;
    }

    @Override
    public Entry<K, V> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      last = next;
      next = null;
      return last;
    }

    @Override
    public void remove() {
      ensureOpen();
      if (last == null) {
        throw new IllegalStateException("next() must be called before remove()");
      }
      K key = last.getKey();
      last = null;
      long start = stats() ? System.nanoTime() : 0;
      byte[] k = keyBytes(key);
      boolean removed = atomically(k, events -> {
        writeDelete(key);
        Store.Stored s = store.read(k);
        if (s == null) {
          return false;
        }
        store.delete(k);
        events.add(CorvidCacheEntryEvent.removed(CorvidJCache.this, key, value(s)));
        return true;
      });
      if (removed && stats()) {
        statistics.removed(1, start);
      }
    }
  }

  // ---------------------------------------------------------------- listeners, config, lifecycle

  @Override
  public void registerCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    ensureOpen();
    if (listenerConfiguration == null) {
      throw new NullPointerException("listener configuration is null");
    }
    synchronized (listeners) {
      for (ListenerRegistration<K, V> r : listeners) {
        if (r.configuration.equals(listenerConfiguration)) {
          throw new IllegalArgumentException("this listener configuration is registered already");
        }
      }
      ListenerRegistration<K, V> r = new ListenerRegistration<>(listenerConfiguration);
      configuration.addCacheEntryListenerConfiguration(listenerConfiguration);
      listeners.add(r);
    }
  }

  @Override
  public void deregisterCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    ensureOpen();
    if (listenerConfiguration == null) {
      throw new NullPointerException("listener configuration is null");
    }
    synchronized (listeners) {
      for (ListenerRegistration<K, V> r : listeners) {
        if (r.configuration.equals(listenerConfiguration)) {
          listeners.remove(r);
          configuration.removeCacheEntryListenerConfiguration(listenerConfiguration);
          r.close();
        }
      }
    }
  }

  @Override
  public <C extends Configuration<K, V>> C getConfiguration(Class<C> clazz) {
    if (clazz.isInstance(configuration)) {
      return clazz.cast(configuration);
    }
    throw new IllegalArgumentException("the configuration is a " + configuration.getClass().getName() + ", not a " + clazz.getName());
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public CacheManager getCacheManager() {
    return manager;
  }

  /** This JVM's statistics of the cache (also the CacheStatistics MBean). */
  public CorvidCacheStatistics statistics() {
    return statistics;
  }

  void setStatisticsEnabled(boolean enabled) {
    configuration.setStatisticsEnabled(enabled);
    if (enabled) {
      Jmx.register(this, Jmx.STATISTICS, statistics);
    } else {
      Jmx.unregister(this, Jmx.STATISTICS);
    }
  }

  void setManagementEnabled(boolean enabled) {
    configuration.setManagementEnabled(enabled);
    if (enabled) {
      Jmx.register(this, Jmx.CONFIGURATION, mxBean);
    } else {
      Jmx.unregister(this, Jmx.CONFIGURATION);
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    manager.released(this);
    Jmx.unregister(this, Jmx.STATISTICS);
    Jmx.unregister(this, Jmx.CONFIGURATION);
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly(loader);
    closeQuietly(writer);
    closeQuietly(expiryPolicy);
    for (ListenerRegistration<K, V> r : listeners) {
      r.close();
    }
  }

  /** destroyCache: the entries go from the server, then the cache closes. */
  void destroy() {
    if (!closed) {
      store.clear();
    }
    close();
  }

  private static void closeQuietly(Object o) {
    if (o instanceof Closeable || o instanceof AutoCloseable) {
      try {
        ((AutoCloseable) o).close();
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    if (clazz.isInstance(manager.client())) {
      return clazz.cast(manager.client());
    }
    throw new IllegalArgumentException("cannot unwrap cache " + name + " to " + clazz.getName());
  }

  @Override
  public String toString() {
    return "CorvidJCache{" + name + " in " + manager.getURI() + "}";
  }

}
