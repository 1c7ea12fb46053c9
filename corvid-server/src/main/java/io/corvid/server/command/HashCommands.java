package io.corvid.server.command;

/** Hash commands. */
public final class HashCommands {
  private HashCommands() {}

  public static void register(CommandRegistry registry) {
  }
}
