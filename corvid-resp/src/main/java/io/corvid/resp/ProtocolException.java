package io.corvid.resp;

/**
 * The client sent bytes that are not a valid request. The message is Redis's wording without the
 * "-ERR " prefix, for example {@code "Protocol error: invalid bulk length"}. The server replies
 * {@code -ERR <message>} and closes the connection, as Redis does.
 */
public final class ProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message, null, false, false);
  }
}
