package io.corvid.server.command;

/** Transaction commands. */
public final class TransactionCommands {
  private TransactionCommands() {}

  public static void register(CommandRegistry registry) {
  }
}
