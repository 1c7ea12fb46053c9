package io.corvid.jcache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import javax.cache.event.CacheEntryListenerException;

/**
 * The events one operation produced, delivered when the operation is done: synchronous
 * listeners in the calling thread before the operation returns (their exceptions reach the
 * caller as {@link CacheEntryListenerException}), asynchronous ones on the cache's event thread,
 * one at a time, so every listener sees events in the order they happened.
 */
final class EventDispatcher<K, V> {
  private List<CorvidCacheEntryEvent<K, V>> events;

  void add(CorvidCacheEntryEvent<K, V> event) {
    if (events == null) {
      events = new ArrayList<>(4);
    }
    events.add(event);
  }

  boolean isEmpty() {
    return events == null;
  }

  void dispatch(List<ListenerRegistration<K, V>> registrations, ExecutorService asyncExecutor) {
    if (events == null || registrations.isEmpty()) {
      return;
    }
    List<CorvidCacheEntryEvent<K, V>> batch = events;
    events = null;
    RuntimeException failure = null;
    for (ListenerRegistration<K, V> r : registrations) {
      if (r.synchronous()) {
        try {
          r.deliver(batch);
        } catch (CacheEntryListenerException e) {
          failure = failure == null ? e : failure;
        } catch (RuntimeException e) {
          failure = failure == null ? new CacheEntryListenerException("a synchronous listener failed: " + e, e) : failure;
        }
      } else {
        try {
          asyncExecutor.execute(() -> {
            try {
              r.deliver(batch);
            } catch (RuntimeException | AssertionError e) {
              // an asynchronous listener's failure cannot reach the caller; it must not stop the others
            }
          });
        } catch (RejectedExecutionException e) {
          // the cache closed while this operation ran: its asynchronous listeners are gone
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
