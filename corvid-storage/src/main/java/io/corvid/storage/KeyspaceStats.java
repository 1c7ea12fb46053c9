package io.corvid.storage;

/** Counters for INFO stats. A snapshot; values only grow until {@link Keyspace#resetStats()}. */
public record KeyspaceStats(long keyspaceHits, long keyspaceMisses, long expiredKeys, long evictedKeys) {}
