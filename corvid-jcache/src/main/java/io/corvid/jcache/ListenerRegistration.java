package io.corvid.jcache;

import java.util.ArrayList;
import java.util.List;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Factory;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.event.EventType;

/** A registered listener: its configuration, the listener and filter its factories made. */
final class ListenerRegistration<K, V> {
  final CacheEntryListenerConfiguration<K, V> configuration;
  final CacheEntryListener<? super K, ? super V> listener;
  final CacheEntryEventFilter<? super K, ? super V> filter;

  ListenerRegistration(CacheEntryListenerConfiguration<K, V> configuration) {
    this.configuration = configuration;
    Factory<javax.cache.event.CacheEntryListener<? super K, ? super V>> lf = configuration.getCacheEntryListenerFactory();
    if (lf == null) {
      throw new IllegalArgumentException("a CacheEntryListenerConfiguration needs a listener factory");
    }
    this.listener = lf.create();
    Factory<CacheEntryEventFilter<? super K, ? super V>> ff = configuration.getCacheEntryEventFilterFactory();
    this.filter = ff == null ? null : ff.create();
  }

  boolean synchronous() {
    return configuration.isSynchronous();
  }

  boolean wants(EventType type) {
    switch (type) {
      case CREATED:
        return listener instanceof CacheEntryCreatedListener;
      case UPDATED:
        return listener instanceof CacheEntryUpdatedListener;
      case REMOVED:
        return listener instanceof CacheEntryRemovedListener;
      case EXPIRED:
        return listener instanceof CacheEntryExpiredListener;
      default:
        return false;
    }
  }

  /**
   * Delivers the events this listener wants and its filter passes, grouped by type in order.
   * Exceptions propagate to the caller (the dispatcher decides what they mean).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  void deliver(List<CorvidCacheEntryEvent<K, V>> events) {
    int i = 0;
    while (i < events.size()) {
      EventType type = events.get(i).getEventType();
      List<CacheEntryEvent<? extends K, ? extends V>> run = new ArrayList<>();
      while (i < events.size() && events.get(i).getEventType() == type) {
        CorvidCacheEntryEvent<K, V> e = events.get(i++);
        if (!wants(type)) {
          continue;
        }
        CorvidCacheEntryEvent<K, V> seen = configuration.isOldValueRequired() ? e : e.withoutOldValue();
        if (filter == null || ((CacheEntryEventFilter) filter).evaluate(seen)) {
          run.add(seen);
        }
      }
      if (run.isEmpty()) {
        continue;
      }
      Iterable it = run;
      switch (type) {
        case CREATED:
          ((CacheEntryCreatedListener) listener).onCreated(it);
          break;
        case UPDATED:
          ((CacheEntryUpdatedListener) listener).onUpdated(it);
          break;
        case REMOVED:
          ((CacheEntryRemovedListener) listener).onRemoved(it);
          break;
        case EXPIRED:
          ((CacheEntryExpiredListener) listener).onExpired(it);
          break;
        default:
          break;
      }
    }
  }

  void close() {
    if (listener instanceof AutoCloseable) {
      try {
        ((AutoCloseable) listener).close();
      } catch (Exception ignored) {
        // closing is best effort
      }
    }
  }
}
