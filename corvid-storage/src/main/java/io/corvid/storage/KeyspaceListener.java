package io.corvid.storage;

/**
 * Told of every change to a key, whatever caused it: a command, expiry, eviction or a flush. The
 * server uses it for WATCH, and later issues for client-side caching invalidation, replication
 * and keyspace notifications. Called synchronously, inside the keyspace's critical section, so it
 * must be quick and must not call back into the keyspace.
 *
 * <p>The key bytes are valid only during the call (the array may be a reused scratch buffer).
 */
public interface KeyspaceListener {

  enum Cause { WRITE, DELETE, EXPIRE, EVICT }

  void keyChanged(int db, byte[] key, int off, int len, Cause cause);

  /** Every key of {@code db} is gone; {@code db == -1} means every database. */
  void databaseFlushed(int db);

  KeyspaceListener NONE = new KeyspaceListener() {
    @Override public void keyChanged(int db, byte[] key, int off, int len, Cause cause) {}
    @Override public void databaseFlushed(int db) {}
  };
}
