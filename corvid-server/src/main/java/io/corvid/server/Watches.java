package io.corvid.server;

import io.corvid.storage.KeyspaceListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * WATCH bookkeeping: which connections watch which (db, key). It is the keyspace's listener, so
 * every change to a key marks its watchers dirty whatever caused it — a command, expiry,
 * eviction, or a flush — and their next EXEC fails, as in Redis. Guarded by the node lock (the
 * keyspace calls the listener inside its critical section).
 *
 * <p>The hot path is a write to a key nobody watches: one empty-map check, no allocation.
 */
public final class Watches implements KeyspaceListener {
  private final Map<ByteKey, List<ClientConnection>> watchers = new HashMap<>();
  private final ByteKey probe = ByteKey.probe();

  /** Adds a watch; the caller keeps its own list of watched keys for UNWATCH. */
  public boolean watch(ClientConnection c, ByteKey key) {
    List<ClientConnection> l = watchers.computeIfAbsent(key, k -> new ArrayList<>(2));
    if (l.contains(c)) {
      return false;
    }
    l.add(c);
    return true;
  }

  public void unwatch(ClientConnection c, ByteKey key) {
    List<ClientConnection> l = watchers.get(key);
    if (l != null) {
      l.remove(c);
      if (l.isEmpty()) {
        watchers.remove(key);
      }
    }
  }

  public int watchedKeys() {
    return watchers.size();
  }

  @Override
  public void keyChanged(int db, byte[] key, int off, int len, Cause cause) {
    if (watchers.isEmpty()) {
      return;
    }
    List<ClientConnection> l = watchers.get(probe.reset(db, key, off, len));
    if (l != null) {
      for (ClientConnection c : l) {
        c.markWatchDirty();
      }
    }
  }

  @Override
  public void databaseFlushed(int db) {
    if (watchers.isEmpty()) {
      return;
    }
    watchers.forEach((k, l) -> {
      if (db == -1 || k.db() == db) {
        l.forEach(ClientConnection::markWatchDirty);
      }
    });
  }
}
