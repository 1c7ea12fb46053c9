package io.corvid.server.command;

/**
 * Where command groups bind implementations to names. Metadata (arity, flags, key positions,
 * docs) comes from the JSON files under resources io/corvid/server/commands/, one per group; a
 * name registered here without metadata, or metadata without an implementation, fails startup.
 *
 * <p>Container commands (CLIENT, CONFIG, COMMAND, OBJECT, MEMORY, SLOWLOG, PUBSUB, ...) register
 * each subcommand as "container|sub", for example "client|id", as Redis names them.
 */
public interface CommandRegistry {
  void register(String name, Command command);
}
