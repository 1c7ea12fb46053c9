package io.corvid.server.command;

/** Connection commands. */
public final class ConnectionCommands {
  private ConnectionCommands() {}

  public static void register(CommandRegistry registry) {
  }
}
