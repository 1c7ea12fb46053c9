package io.corvid.server.command;

/**
 * The node as commands see it. The server-core engineer defines its methods (configuration,
 * client registry, pub/sub, stats, slowlog, shutdown); command groups add what they need.
 */
public interface ServerContext {
}
