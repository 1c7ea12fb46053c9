package io.corvid.storage;

/**
 * Settings of one {@link Keyspace}. Mutable fields are changed through the keyspace's setters
 * (CONFIG SET), not here. Defaults mirror Redis 7.
 */
public record StorageConfig(
    int databases,
    long maxMemoryBytes,
    EvictionPolicy policy,
    int lfuLogFactor,
    int lfuDecayTimeMinutes,
    int hashMaxListpackEntries,
    int hashMaxListpackValue) {

  public static final int DEFAULT_DATABASES = 16;
  /** 0 means no limit, as in Redis. */
  public static final long DEFAULT_MAX_MEMORY_BYTES = 0;
  public static final EvictionPolicy DEFAULT_POLICY = EvictionPolicy.NOEVICTION;
  public static final int DEFAULT_LFU_LOG_FACTOR = 10;
  public static final int DEFAULT_LFU_DECAY_TIME_MINUTES = 1;
  public static final int DEFAULT_HASH_MAX_LISTPACK_ENTRIES = 128;
  public static final int DEFAULT_HASH_MAX_LISTPACK_VALUE = 64;

  public static StorageConfig defaults() {
    return new StorageConfig(DEFAULT_DATABASES, DEFAULT_MAX_MEMORY_BYTES, DEFAULT_POLICY,
        DEFAULT_LFU_LOG_FACTOR, DEFAULT_LFU_DECAY_TIME_MINUTES,
        DEFAULT_HASH_MAX_LISTPACK_ENTRIES, DEFAULT_HASH_MAX_LISTPACK_VALUE);
  }

  public StorageConfig withMaxMemory(long bytes) {
    return new StorageConfig(databases, bytes, policy, lfuLogFactor, lfuDecayTimeMinutes, hashMaxListpackEntries, hashMaxListpackValue);
  }

  public StorageConfig withPolicy(EvictionPolicy p) {
    return new StorageConfig(databases, maxMemoryBytes, p, lfuLogFactor, lfuDecayTimeMinutes, hashMaxListpackEntries, hashMaxListpackValue);
  }

  public StorageConfig withDatabases(int n) {
    return new StorageConfig(n, maxMemoryBytes, policy, lfuLogFactor, lfuDecayTimeMinutes, hashMaxListpackEntries, hashMaxListpackValue);
  }
}
