package io.corvid.client;

/** Base of every exception the client throws; unchecked, like the server errors it carries. */
public class CorvidException extends RuntimeException {
  public CorvidException(String message) {
    super(message);
  }

  public CorvidException(String message, Throwable cause) {
    super(message, cause);
  }
}
