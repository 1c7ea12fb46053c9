package io.corvid.server.command;

/** Every command group, registered at startup. */
public final class CommandGroups {
  private CommandGroups() {}

  public static void registerAll(CommandRegistry registry) {
    ConnectionCommands.register(registry);
    TrackingCommands.register(registry);
    ServerCommands.register(registry);
    PubSubCommands.register(registry);
    TransactionCommands.register(registry);
    StringCommands.register(registry);
    KeyCommands.register(registry);
    HashCommands.register(registry);
    DumpCommands.register(registry);
    io.corvid.server.backing.BackingStoreCommands.register(registry);
    io.corvid.server.cluster.ClusterCommands.register(registry);
    io.corvid.server.replication.ReplicationCommands.register(registry);
  }
}
