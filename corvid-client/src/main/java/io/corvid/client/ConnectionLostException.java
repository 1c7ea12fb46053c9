package io.corvid.client;

/**
 * The connection broke while the command was written or waiting for its reply. {@link #wasSent()}
 * tells whether the command may have reached the server: when false it certainly did not, and the
 * client retries it even if it writes (see the retry policy in {@code CorvidClient}).
 */
public class ConnectionLostException extends CorvidException {
  private final boolean sent;

  public ConnectionLostException(String message, boolean sent) {
    super(message);
    this.sent = sent;
  }

  public ConnectionLostException(String message, boolean sent, Throwable cause) {
    super(message, cause);
    this.sent = sent;
  }

  public boolean wasSent() {
    return sent;
  }
}
