package io.corvid.client.connection;

import io.corvid.resp.RespValue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * One request on its way: its arguments, its deadline, and what happens to its outcome. A
 * command is submitted once to one connection; the router makes a new one for each retry.
 *
 * <p>It completes exactly once ({@link #complete} or {@link #fail}; later calls are ignored) with
 * the raw reply, error replies included (the router reads MOVED and ASK from them), or
 * exceptionally for client-side failures only: timeout, lost connection, closed client. By
 * default the outcome goes to {@link #future()}; a subclass may take it directly in {@link
 * #completed} and have no future at all (the router does, saving a future and its callback per
 * command on the hot path).
 */
public class Command {
  private static final VarHandle DONE;

  static {
    try {
      DONE = MethodHandles.lookup().findVarHandle(Command.class, "done", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final byte[][] args;
  /** Where the outcome goes by default; null for subclasses that override {@link #completed}. */
  private final CompletableFuture<RespValue> future;
  /** {@link System#nanoTime()} after which the command times out. */
  final long deadlineNanos;
  /** For pub/sub commands whose RESP3 reply is a push ({@code subscribe}, ...): its kind. */
  final String pushReplyKind;
  /** Set on the event loop when the command's bytes were handed to the channel. */
  boolean written;
  @SuppressWarnings("unused") // through DONE
  private volatile int done;

  public Command(byte[][] args, long deadlineNanos) {
    this(args, deadlineNanos, null);
  }

  public Command(byte[][] args, long deadlineNanos, String pushReplyKind) {
    this(args, deadlineNanos, pushReplyKind, true);
  }

  /** @param withFuture false for a subclass that takes its outcome in {@link #completed} */
  protected Command(byte[][] args, long deadlineNanos, String pushReplyKind, boolean withFuture) {
    this.args = args;
    this.deadlineNanos = deadlineNanos;
    this.pushReplyKind = pushReplyKind;
    this.future = withFuture ? new CompletableFuture<>() : null;
  }

  /** The future the outcome completes (not for subclasses made without one). */
  public CompletableFuture<RespValue> future() {
    if (future == null) {
      throw new IllegalStateException("this command reports to " + getClass().getName() + ".completed, it has no future");
    }
    return future;
  }

  public long deadline() {
    return deadlineNanos;
  }

  public String name() {
    return new String(args[0], StandardCharsets.UTF_8);
  }

  /** Completes with the reply; false when the command was already complete. */
  final boolean complete(RespValue reply) {
    if (!DONE.compareAndSet(this, 0, 1)) {
      return false;
    }
    completed(reply, null);
    return true;
  }

  /** Fails the command; false when it was already complete. */
  final boolean fail(Throwable error) {
    if (!DONE.compareAndSet(this, 0, 1)) {
      return false;
    }
    completed(null, error);
    return true;
  }

  /** True once completed or failed. */
  public final boolean isDone() {
    return (int) DONE.getVolatile(this) != 0;
  }

  /**
   * The outcome, exactly once: the reply, or (reply null) the failure. Runs on the connection's
   * event loop, or on a submitting thread when the command fails at once (closed connection, full
   * queue). An override must not throw: the event loop would take it for a broken connection.
   */
  protected void completed(RespValue reply, Throwable error) {
    if (error == null) {
      future.complete(reply);
    } else {
      future.completeExceptionally(error);
    }
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
