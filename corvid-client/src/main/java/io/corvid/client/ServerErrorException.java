package io.corvid.client;

/** The server answered with an error reply ({@code -ERR ...}, {@code -WRONGTYPE ...}); the message is the server's. */
public class ServerErrorException extends CorvidException {
  public ServerErrorException(String message) {
    super(message);
  }

  /** The first word of the message: {@code ERR}, {@code WRONGTYPE}, {@code NOAUTH}, ... */
  public String code() {
    String m = getMessage();
    int space = m.indexOf(' ');
    return space < 0 ? m : m.substring(0, space);
  }
}
