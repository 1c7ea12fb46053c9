package io.corvid.client;

/** A connection could not be opened or its handshake (HELLO, AUTH) failed. */
public class ConnectException extends CorvidException {
  public ConnectException(String message, Throwable cause) {
    super(message, cause);
  }
}
