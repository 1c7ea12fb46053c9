package io.corvid.client.connection;

import io.corvid.resp.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * One request on its way: its arguments, the future its reply completes, and its deadline. A
 * command is submitted once to one connection; the router makes a new one for each retry.
 *
 * <p>The future completes with the raw reply, error replies included (the router reads MOVED and
 * ASK from them); it completes exceptionally only for client-side failures: timeout, lost
 * connection, closed client.
 */
public class Command {
  final byte[][] args;
  final CompletableFuture<RespValue> future = new CompletableFuture<>();
  /** {@link System#nanoTime()} after which the command times out. */
  final long deadlineNanos;
  /** For pub/sub commands whose RESP3 reply is a push ({@code subscribe}, ...): its kind. */
  final String pushReplyKind;
  /** Set on the event loop when the command's bytes were handed to the channel. */
  boolean written;

  public Command(byte[][] args, long deadlineNanos) {
    this(args, deadlineNanos, null);
  }

  public Command(byte[][] args, long deadlineNanos, String pushReplyKind) {
    this.args = args;
    this.deadlineNanos = deadlineNanos;
    this.pushReplyKind = pushReplyKind;
  }

  public CompletableFuture<RespValue> future() {
    return future;
  }

  public long deadline() {
    return deadlineNanos;
  }

  public String name() {
    return new String(args[0], StandardCharsets.UTF_8);
  }

  public static byte[][] args(Object... parts) {
    byte[][] out = new byte[parts.length][];
    for (int i = 0; i < parts.length; i++) {
      Object p = parts[i];
      out[i] = p instanceof byte[] ? (byte[]) p : String.valueOf(p).getBytes(StandardCharsets.UTF_8);
    }
    return out;
  }
}
