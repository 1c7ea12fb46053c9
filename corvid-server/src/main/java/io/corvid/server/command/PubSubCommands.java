package io.corvid.server.command;

/** PubSub commands. */
public final class PubSubCommands {
  private PubSubCommands() {}

  public static void register(CommandRegistry registry) {
  }
}
