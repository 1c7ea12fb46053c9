package io.corvid.server.command;

/** String commands. */
public final class StringCommands {
  private StringCommands() {}

  public static void register(CommandRegistry registry) {
  }
}
