package io.corvid.cluster;

/**
 * The core's settings; every one a named default.
 *
 * @param replicaCount R, replicas per slot ({@code --cluster-replicas})
 * @param maxMigrationsPerNode K, most slots a node streams, receives or pauses for at once
 * @param migrationPauseLagOps a primary pauses writes to a migrating slot once the target is
 *     within this many writes of it, then waits for the target to ack its last one
 * @param minorityWriteTimeoutMillis a primary whose view holds no majority of the topology's
 *     members stops taking writes this long after that view arrived
 * @param minorityReads whether a node in a minority view still serves (possibly stale) reads
 * @param retryIntervalMillis how often unanswered requests (migration ready, leave) are resent
 * @param bootstrapMinMembers a view of nodes that know no topology forms a new cluster only if
 *     it has at least this many members (1: a node alone starts a cluster of one)
 */
public record ClusterConfig(int replicaCount, int maxMigrationsPerNode, long migrationPauseLagOps,
    long minorityWriteTimeoutMillis, boolean minorityReads, long retryIntervalMillis,
    int bootstrapMinMembers) {
  public static final int DEFAULT_REPLICA_COUNT = 1;
  public static final int DEFAULT_MAX_MIGRATIONS_PER_NODE = 512;
  public static final long DEFAULT_MIGRATION_PAUSE_LAG_OPS = 1000;
  public static final long DEFAULT_MINORITY_WRITE_TIMEOUT_MILLIS = 500;
  public static final boolean DEFAULT_MINORITY_READS = false;
  public static final long DEFAULT_RETRY_INTERVAL_MILLIS = 200;
  public static final int DEFAULT_BOOTSTRAP_MIN_MEMBERS = 1;

  public ClusterConfig {
    if (replicaCount < 0 || replicaCount > Topology.MAX_REPLICAS) {
      throw new IllegalArgumentException("replica count must be 0.." + Topology.MAX_REPLICAS);
    }
    if (maxMigrationsPerNode < 1 || migrationPauseLagOps < 0 || minorityWriteTimeoutMillis < 0
        || retryIntervalMillis < 1 || bootstrapMinMembers < 1) {
      throw new IllegalArgumentException("bad cluster config");
    }
  }

  public static ClusterConfig defaults() {
    return new ClusterConfig(DEFAULT_REPLICA_COUNT, DEFAULT_MAX_MIGRATIONS_PER_NODE,
        DEFAULT_MIGRATION_PAUSE_LAG_OPS, DEFAULT_MINORITY_WRITE_TIMEOUT_MILLIS, DEFAULT_MINORITY_READS,
        DEFAULT_RETRY_INTERVAL_MILLIS, DEFAULT_BOOTSTRAP_MIN_MEMBERS);
  }

  public ClusterConfig withReplicaCount(int r) {
    return new ClusterConfig(r, maxMigrationsPerNode, migrationPauseLagOps, minorityWriteTimeoutMillis,
        minorityReads, retryIntervalMillis, bootstrapMinMembers);
  }

  public ClusterConfig withMaxMigrationsPerNode(int k) {
    return new ClusterConfig(replicaCount, k, migrationPauseLagOps, minorityWriteTimeoutMillis,
        minorityReads, retryIntervalMillis, bootstrapMinMembers);
  }

  public ClusterConfig withBootstrapMinMembers(int m) {
    return new ClusterConfig(replicaCount, maxMigrationsPerNode, migrationPauseLagOps,
        minorityWriteTimeoutMillis, minorityReads, retryIntervalMillis, m);
  }

  public ClusterConfig withMinorityWriteTimeoutMillis(long t) {
    return new ClusterConfig(replicaCount, maxMigrationsPerNode, migrationPauseLagOps, t,
        minorityReads, retryIntervalMillis, bootstrapMinMembers);
  }
}
