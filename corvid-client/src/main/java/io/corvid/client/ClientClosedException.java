package io.corvid.client;

/** The client (or the connection) was closed before the command completed. */
public class ClientClosedException extends CorvidException {
  public ClientClosedException(String message) {
    super(message);
  }
}
