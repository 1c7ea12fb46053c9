package io.corvid.client;

/** No reply arrived within the command timeout. The command may or may not have been executed. */
public class CommandTimeoutException extends CorvidException {
  public CommandTimeoutException(String message) {
    super(message);
  }
}
