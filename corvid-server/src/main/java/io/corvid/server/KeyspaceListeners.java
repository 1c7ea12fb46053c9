package io.corvid.server;

import io.corvid.storage.KeyspaceListener;

/**
 * The keyspace has one listener; the node has several parts that must hear of every key change
 * (WATCH, CLIENT TRACKING). This passes each event to both, in order. Each part returns after one
 * emptiness check when it has nothing to do, so the cost of a write nobody watches or tracks is
 * two such checks.
 */
final class KeyspaceListeners implements KeyspaceListener {
  private final KeyspaceListener first;
  private final KeyspaceListener second;

  private KeyspaceListeners(KeyspaceListener first, KeyspaceListener second) {
    this.first = first;
    this.second = second;
  }

  static KeyspaceListener of(KeyspaceListener first, KeyspaceListener second) {
    return new KeyspaceListeners(first, second);
  }

  @Override
  public void keyChanged(int db, byte[] key, int off, int len, Cause cause) {
    first.keyChanged(db, key, off, len, cause);
    second.keyChanged(db, key, off, len, cause);
  }

  @Override
  public void databaseFlushed(int db) {
    first.databaseFlushed(db);
    second.databaseFlushed(db);
  }
}
