package io.corvid.server.command;

/**
 * The node as commands see it. The server-core engineer adds what the node offers (configuration,
 * client registry, pub/sub, stats, slowlog, shutdown); command groups use it.
 */
public interface ServerContext {

  /** proto-max-bulk-len: the largest string a command may create (APPEND, SETRANGE check it). */
  long protoMaxBulkLen();

  /** Cluster mode: one database only (SELECT, MOVE, COPY ... DB refuse others). */
  default boolean clusterEnabled() {
    return false;
  }
}
