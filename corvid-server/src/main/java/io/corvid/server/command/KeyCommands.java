package io.corvid.server.command;

/** Key commands. */
public final class KeyCommands {
  private KeyCommands() {}

  public static void register(CommandRegistry registry) {
  }
}
