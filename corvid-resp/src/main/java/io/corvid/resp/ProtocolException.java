package io.corvid.resp;

/**
 * The client sent bytes that are not a valid request. The message is Redis's wording without the
 * "-ERR " prefix, for example {@code "Protocol error: invalid bulk length"}. The server replies
 * {@code -ERR <message>} and closes the connection, as Redis does, unless {@link
 * #replyBeforeClose()} is false (the query buffer limit, where Redis closes without a reply).
 */
public final class ProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean replyBeforeClose;

  public ProtocolException(String message) {
    this(message, true);
  }

  public ProtocolException(String message, boolean replyBeforeClose) {
    super(message, null, false, false);
    this.replyBeforeClose = replyBeforeClose;
  }

  /** False when Redis closes the connection without sending the error first. */
  public boolean replyBeforeClose() {
    return replyBeforeClose;
  }
}
