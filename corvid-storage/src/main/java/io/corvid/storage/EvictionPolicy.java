package io.corvid.storage;

import java.util.Locale;

/** The maxmemory-policy values, named as in redis.conf, plus Corvid's allkeys-wtinylfu. */
public enum EvictionPolicy {
  NOEVICTION("noeviction"),
  ALLKEYS_LRU("allkeys-lru"),
  ALLKEYS_LFU("allkeys-lfu"),
  ALLKEYS_RANDOM("allkeys-random"),
  VOLATILE_LRU("volatile-lru"),
  VOLATILE_LFU("volatile-lfu"),
  VOLATILE_RANDOM("volatile-random"),
  VOLATILE_TTL("volatile-ttl"),
  ALLKEYS_WTINYLFU("allkeys-wtinylfu");

  private final String configName;

  EvictionPolicy(String configName) {
    this.configName = configName;
  }

  /** The name used in configuration files, CONFIG GET/SET and INFO. */
  public String configName() {
    return configName;
  }

  public boolean isLfu() {
    return this == ALLKEYS_LFU || this == VOLATILE_LFU;
  }

  public boolean isVolatileOnly() {
    return this == VOLATILE_LRU || this == VOLATILE_LFU || this == VOLATILE_RANDOM || this == VOLATILE_TTL;
  }

  /** Parses a redis.conf name, case-insensitively; null when unknown. */
  public static EvictionPolicy fromConfigName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (EvictionPolicy p : values()) {
      if (p.configName.equals(lower)) {
        return p;
      }
    }
    return null;
  }
}
