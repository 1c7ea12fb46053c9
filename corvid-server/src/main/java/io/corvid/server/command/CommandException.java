package io.corvid.server.command;

/**
 * Ends a command with an error reply. The message is the full Redis error line without the
 * leading '-', starting with its code: "ERR syntax error", "WRONGTYPE Operation against ...".
 * Cheap: no stack trace.
 */
public final class CommandException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CommandException(String message) {
    super(message, null, false, false);
  }
}
