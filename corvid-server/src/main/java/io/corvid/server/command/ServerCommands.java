package io.corvid.server.command;

/** Server commands. */
public final class ServerCommands {
  private ServerCommands() {}

  public static void register(CommandRegistry registry) {
  }
}
