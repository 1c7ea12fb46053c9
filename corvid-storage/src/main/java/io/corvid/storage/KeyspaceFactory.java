package io.corvid.storage;

import io.corvid.common.Clock;

/** Chooses the production implementation of {@link Keyspace}. */
final class KeyspaceFactory {
  private KeyspaceFactory() {}

  static Keyspace create(StorageConfig config, Clock clock) {
    return new OffHeapKeyspace(config, clock);
  }
}
