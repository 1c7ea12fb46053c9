package io.corvid.client.connection;

import io.corvid.client.ClientClosedException;
import io.corvid.client.ClientOptions;
import io.corvid.client.CommandTimeoutException;
import io.corvid.client.ConnectException;
import io.corvid.client.ConnectionLostException;
import io.corvid.client.CorvidException;
import io.corvid.resp.ProtocolException;
import io.corvid.resp.RespReader;
import io.corvid.resp.RespValue;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One TCP connection to one node, shared by every thread of the application: commands are
 * pipelined on it and replies matched to them in order.
 *
 * <h2>Threads</h2>
 *
 * Any thread may {@link #submit} a command: it goes on a lock-free queue, and the first submitter
 * to find no drain pending schedules one on the connection's event loop. That drain writes every
 * queued command into one buffer and flushes once, so N threads submitting at once cost one
 * syscall, not N. Everything else (the FIFO of commands awaiting replies, the channel, the reply
 * reader, reconnection) belongs to the event loop and is touched by no other thread.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>{@code inFlight} holds exactly the commands written on the current channel whose reply has
 *       not arrived, in write order; the n-th reply read completes the n-th of them.
 *   <li>A command is in at most one of {@code queue} (not written) and {@code inFlight} (written).
 *   <li>A timed-out command stays in {@code inFlight} (its reply will still come and must be
 *       skipped) but its future is already complete.
 * </ul>
 *
 * <h2>Life cycle</h2>
 *
 * connect, then the handshake ({@code HELLO 3} with {@code AUTH} and {@code SETNAME}; when the
 * server does not know HELLO or refuses protocol 3, RESP2 with {@code AUTH} and
 * {@code CLIENT SETNAME}), then the {@link Listener#reconnectCommands()} (e.g. SUBSCRIBE again),
 * then the queue. When the connection breaks, the commands awaiting replies fail with {@link
 * ConnectionLostException}{@code (sent=true)}; queued ones wait for the next connection, which is
 * attempted with exponential backoff and jitter ({@link Backoff}) until {@link #close()}. The
 * first connection is not retried: its failure fails {@link #connect()}.
 */
public final class NodeConnection {
  /** Most bytes encoded into one buffer before it is written (the drain flushes once at the end). */
  static final int MAX_WRITE_BATCH_BYTES = 64 * 1024;
  /** Bounds on how often timeouts are checked: a tenth of the command timeout, within these. */
  static final long MIN_SWEEP_PERIOD_MILLIS = 10;
  static final long MAX_SWEEP_PERIOD_MILLIS = 1000;

  /** What a connection tells its owner. All methods run on the connection's event loop. */
  public interface Listener {
    /** An out-of-band message: pub/sub message, tracking invalidation. */
    default void onPush(NodeConnection connection, RespValue.Push push) {}

    /** The connection (re)opened and finished its handshake. */
    default void onConnected(NodeConnection connection) {}

    /** The connection broke (it will reconnect unless closed). */
    default void onDisconnected(NodeConnection connection) {}

    /**
     * Commands to send after each handshake, before any queued command, with the push kind
     * their reply comes as (or null): SUBSCRIBE again, CLIENT TRACKING on.
     */
    default List<Command> reconnectCommands() {
      return List.of();
    }
  }

  private enum State { NEW, CONNECTING, HANDSHAKING, READY, WAITING_TO_RECONNECT, CLOSED }

  private static final Listener NO_LISTENER = new Listener() {};

  private final HostAndPort address;
  private final ClientOptions options;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final Listener listener;
  private final boolean subscriber;
  private final long commandTimeoutNanos;

  private final ConcurrentLinkedQueue<Command> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drainTask = this::drain;
  private final CompletableFuture<NodeConnection> firstReady = new CompletableFuture<>();
  private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
  private volatile State state = State.NEW;
  private volatile int protocol = 2;

  // Event loop only.
  private final ArrayDeque<Command> inFlight = new ArrayDeque<>();
  private Channel channel;
  private RespReader reader = new RespReader();
  private int failedAttempts;
  private ScheduledFuture<?> sweeper;
  private volatile long connections;
  private volatile long commandsWritten;
  private volatile long flushes;

  /**
   * @param subscriber true for a pub/sub connection: under RESP2, its message arrays are read as
   *     pushes
   */
  public NodeConnection(
      HostAndPort address, ClientOptions options, EventLoopGroup group, Listener listener, boolean subscriber) {
    this.address = address;
    this.options = options;
    this.loop = group.next();
    this.listener = listener == null ? NO_LISTENER : listener;
    this.subscriber = subscriber;
    this.commandTimeoutNanos = options.commandTimeout().toNanos();
    this.bootstrap = new Bootstrap()
        .group(loop)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (options.sslContext() != null) {
              ch.pipeline().addLast(options.sslContext().newHandler(ch.alloc(), address.host(), address.port()));
            }
            ch.pipeline().addLast(new Handler());
          }
        });
  }

  public HostAndPort address() {
    return address;
  }

  /** 3 when HELLO 3 succeeded, else 2. */
  public int protocol() {
    return protocol;
  }

  public boolean isConnected() {
    return state == State.READY;
  }

  public boolean isClosed() {
    return state == State.CLOSED;
  }

  /** How many times this connection has been (re)established; for tests and metrics. */
  public long connectionCount() {
    return connections;
  }

  /** Commands written so far, and the flushes that carried them: shows how writes coalesce. */
  public long commandsWritten() {
    return commandsWritten;
  }

  public long flushes() {
    return flushes;
  }

  /** Opens the connection; completes when the first handshake is done, or fails with {@link ConnectException}. */
  public CompletableFuture<NodeConnection> connect() {
    loop.execute(() -> {
      if (state == State.NEW) {
        long period = Math.max(MIN_SWEEP_PERIOD_MILLIS, Math.min(MAX_SWEEP_PERIOD_MILLIS, options.commandTimeout().toMillis() / 10));
        sweeper = loop.scheduleAtFixedRate(this::sweepTimeouts, period, period, TimeUnit.MILLISECONDS);
        doConnect();
      }
    });
    return firstReady;
  }

  /** A new command for {@code args} with this connection's timeout, submitted; returns its future. */
  public CompletableFuture<RespValue> send(byte[]... args) {
    Command c = new Command(args, System.nanoTime() + commandTimeoutNanos);
    submit(c);
    return c.future();
  }

  /** Commands that must be adjacent on the wire (ASKING then the command). */
  public void submitAll(Command... commands) {
    submitBatch(commands);
  }

  public void submit(Command c) {
    if (state == State.CLOSED) {
      c.fail(closedException());
      return;
    }
    if (queued.incrementAndGet() > options.maxQueuedCommands()) {
      queued.decrementAndGet();
      c.fail(queueFull());
      return;
    }
    queue.offer(c);
    afterOffer();
  }

  private void submitBatch(Command... commands) {
    if (state == State.CLOSED) {
      for (Command c : commands) {
        c.fail(closedException());
      }
      return;
    }
    if (queued.addAndGet(commands.length) > options.maxQueuedCommands()) {
      queued.addAndGet(-commands.length);
      for (Command c : commands) {
        c.fail(queueFull());
      }
      return;
    }
    // Adjacent on the wire: hand them over as one element.
    queue.offer(new Batch(commands));
    afterOffer();
  }

  /** Schedules a drain unless one is pending; fails what was queued if the connection closed meanwhile. */
  private void afterOffer() {
    if (drainScheduled.compareAndSet(false, true)) {
      loop.execute(drainTask);
    }
    if (state == State.CLOSED) {
      loop.execute(() -> failQueue(closedException()));
    }
  }

  private CorvidException queueFull() {
    return new CorvidException("more than " + options.maxQueuedCommands() + " commands queued for " + address
        + " (maxQueuedCommands) while it is " + state.name().toLowerCase(Locale.ROOT));
  }

  /** Closes the connection; every pending command fails with {@link ClientClosedException}. */
  public CompletableFuture<Void> close() {
    return close(closedException(), closedException());
  }

  /**
   * Closes the connection because its node left the topology: queued commands fail with {@link
   * ConnectionLostException}{@code (sent=false)} so that the router sends them elsewhere.
   */
  public CompletableFuture<Void> retire() {
    return close(
        new ConnectionLostException(address + " left the cluster topology before the command was sent", false),
        new ConnectionLostException(address + " left the cluster topology", true));
  }

  private CompletableFuture<Void> close(CorvidException queuedError, CorvidException inFlightError) {
    state = State.CLOSED;
    if (loop.isShuttingDown()) {
      failQueue(queuedError);
      closeFuture.complete(null);
      return closeFuture;
    }
    loop.execute(() -> {
      if (sweeper != null) {
        sweeper.cancel(false);
      }
      failQueue(queuedError);
      failInFlight(inFlightError);
      firstReady.completeExceptionally(queuedError);
      if (channel != null) {
        channel.close().addListener(f -> closeFuture.complete(null));
      } else {
        closeFuture.complete(null);
      }
    });
    return closeFuture;
  }

  /** Closes the current channel (as if the network broke): for tests and failover handling. */
  public void disconnect() {
    loop.execute(() -> {
      if (channel != null) {
        channel.close();
      }
    });
  }

  private ClientClosedException closedException() {
    return new ClientClosedException("connection to " + address + " closed by the client");
  }

  // ---- event loop from here on ----

  private void doConnect() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CONNECTING;
    ChannelFuture f = bootstrap.connect(address.host(), address.port());
    f.addListener(done -> {
      if (done.isSuccess()) {
        if (state == State.CLOSED) {
          f.channel().close();
          return;
        }
        channel = f.channel();
        reader = new RespReader();
        state = State.HANDSHAKING;
        handshake();
      } else {
        connectFailed(done.cause());
      }
    });
  }

  private void connectFailed(Throwable cause) {
    if (state == State.CLOSED) {
      return;
    }
    if (!firstReady.isDone()) {
      ConnectException e = new ConnectException("cannot connect to " + address + ": " + cause.getMessage(), cause);
      firstReady.completeExceptionally(e);
      close(e, e);
      return;
    }
    scheduleReconnect();
  }

  private void scheduleReconnect() {
    state = State.WAITING_TO_RECONNECT;
    long delay = Backoff.delayNanos(failedAttempts++, options.reconnectMinDelay().toNanos(), options.reconnectMaxDelay().toNanos());
    loop.schedule(this::doConnect, delay, TimeUnit.NANOSECONDS);
  }

  private void handshake() {
    if (options.resp3()) {
      List<Object> hello = new ArrayList<>(List.of("HELLO", "3"));
      if (options.password() != null) {
        hello.add("AUTH");
        hello.add(options.username() == null ? "default" : options.username());
        hello.add(options.password());
      }
      if (options.clientName() != null) {
        hello.add("SETNAME");
        hello.add(options.clientName());
      }
      sendDirect(Command.args(hello.toArray())).whenComplete((reply, error) -> {
        if (error != null) {
          handshakeStalled();
        } else if (reply instanceof RespValue.ErrorReply) {
          String message = ((RespValue.ErrorReply) reply).message();
          if (message.startsWith("NOPROTO") || message.toLowerCase(Locale.ROOT).contains("unknown command")) {
            resp2Handshake();
          } else {
            handshakeFailed(message);
          }
        } else {
          protocol = 3;
          handshakeDone();
        }
      });
    } else {
      resp2Handshake();
    }
  }

  private void resp2Handshake() {
    protocol = 2;
    CompletableFuture<RespValue> step = CompletableFuture.completedFuture(RespValue.simple("OK"));
    if (options.password() != null) {
      byte[][] auth = options.username() == null
          ? Command.args("AUTH", options.password())
          : Command.args("AUTH", options.username(), options.password());
      step = sendDirect(auth);
    }
    step.whenComplete((reply, error) -> {
      if (error != null) {
        handshakeStalled();
      } else if (reply instanceof RespValue.ErrorReply) {
        handshakeFailed(((RespValue.ErrorReply) reply).message());
      } else if (options.clientName() != null) {
        sendDirect(Command.args("CLIENT", "SETNAME", options.clientName())).whenComplete((r, e) -> {
          if (e != null) {
            handshakeStalled();
          } else {
            handshakeDone();
          }
        });
      } else {
        handshakeDone();
      }
    });
  }

  private void handshakeFailed(String message) {
    if (state == State.CLOSED) {
      return;
    }
    CorvidException e = new ConnectException("handshake with " + address + " failed: " + message, null);
    if (!firstReady.isDone()) {
      firstReady.completeExceptionally(e);
      close(e, e);
    } else if (channel != null) {
      channel.close(); // reconnects with backoff: the password may be fixed meanwhile
    }
  }

  /**
   * A handshake reply timed out (or its connection broke): drop the channel, which reconnects, or
   * fails the first connect.
   */
  private void handshakeStalled() {
    if (state == State.HANDSHAKING && channel != null) {
      channel.close();
    }
  }

  private void handshakeDone() {
    if (state != State.HANDSHAKING) {
      return;
    }
    for (Command c : listener.reconnectCommands()) {
      writeNow(c);
    }
    state = State.READY;
    failedAttempts = 0;
    connections++;
    listener.onConnected(this);
    firstReady.complete(this);
    drain();
  }

  /** Writes a command ahead of the queue (handshake, re-subscription): event loop only. */
  private CompletableFuture<RespValue> sendDirect(byte[][] args) {
    Command c = new Command(args, System.nanoTime() + commandTimeoutNanos);
    writeNow(c);
    return c.future();
  }

  private void writeNow(Command c) {
    ByteBuf buf = channel.alloc().ioBuffer(CommandEncoder.encodedLength(c.args));
    CommandEncoder.encode(c.args, buf);
    c.written = true;
    inFlight.add(c);
    channel.writeAndFlush(buf, channel.voidPromise());
  }

  private void drain() {
    drainScheduled.set(false);
    if (state != State.READY) {
      return;
    }
    ByteBuf buf = null;
    boolean wrote = false;
    Command c;
    while ((c = queue.poll()) != null) {
      if (c instanceof Batch) {
        Command[] parts = ((Batch) c).parts;
        queued.addAndGet(-parts.length);
        for (Command part : parts) {
          buf = append(buf, part);
        }
      } else {
        queued.decrementAndGet();
        if (c.isDone()) {
          continue; // timed out or cancelled while queued
        }
        buf = append(buf, c);
      }
      if (buf.readableBytes() >= MAX_WRITE_BATCH_BYTES) {
        channel.write(buf, channel.voidPromise());
        buf = null;
        wrote = true;
      }
    }
    if (buf != null) {
      channel.writeAndFlush(buf, channel.voidPromise());
      flushes++;
    } else if (wrote) {
      channel.flush();
      flushes++;
    }
  }

  private ByteBuf append(ByteBuf buf, Command c) {
    if (buf == null) {
      buf = channel.alloc().ioBuffer(Math.max(256, CommandEncoder.encodedLength(c.args)));
    }
    CommandEncoder.encode(c.args, buf);
    c.written = true;
    inFlight.add(c);
    commandsWritten++;
    return buf;
  }

  private void onReply(RespValue reply) {
    RespValue.Push push = asPush(reply);
    if (push != null) {
      Command head = inFlight.peek();
      if (head != null && head.pushReplyKind != null && head.pushReplyKind.equalsIgnoreCase(pushKind(push))) {
        inFlight.poll();
        head.complete(push);
      } else {
        listener.onPush(this, push);
      }
      return;
    }
    Command c = inFlight.poll();
    if (c == null) {
      // A reply nobody asked for: the stream cannot be trusted any more.
      channel.close();
      return;
    }
    c.complete(reply);
  }

  /** RESP3 pushes, and under RESP2 the pub/sub arrays of a subscriber connection. */
  private RespValue.Push asPush(RespValue reply) {
    if (reply instanceof RespValue.Push) {
      return (RespValue.Push) reply;
    }
    if (subscriber && reply instanceof RespValue.Array) {
      List<RespValue> items = ((RespValue.Array) reply).elements();
      if (!items.isEmpty() && items.get(0) instanceof RespValue.Bulk) {
        switch (((RespValue.Bulk) items.get(0)).asString().toLowerCase(Locale.ROOT)) {
          case "message":
          case "pmessage":
          case "subscribe":
          case "unsubscribe":
          case "psubscribe":
          case "punsubscribe":
            return new RespValue.Push(items);
          default:
            return null;
        }
      }
    }
    return null;
  }

  public static String pushKind(RespValue.Push push) {
    if (push.elements().isEmpty()) {
      return "";
    }
    RespValue first = push.elements().get(0);
    if (first instanceof RespValue.Bulk) {
      return ((RespValue.Bulk) first).asString();
    }
    if (first instanceof RespValue.SimpleString) {
      return ((RespValue.SimpleString) first).text();
    }
    return "";
  }

  private void channelLost(Throwable cause) {
    channel = null;
    boolean wasReady = state == State.READY;
    failInFlight(new ConnectionLostException(
        "connection to " + address + " lost" + (cause == null ? "" : ": " + cause.getMessage()), true, cause));
    if (state == State.CLOSED) {
      return;
    }
    if (wasReady) {
      listener.onDisconnected(this);
      if (state == State.CLOSED) {
        return; // the listener closed the connection: no reconnect
      }
    }
    if (!firstReady.isDone()) {
      ConnectException e = new ConnectException("connection to " + address + " lost during the handshake", cause);
      firstReady.completeExceptionally(e);
      close(e, e);
      return;
    }
    scheduleReconnect();
  }

  private void failInFlight(CorvidException e) {
    Command c;
    while ((c = inFlight.poll()) != null) {
      c.fail(e);
    }
  }

  private void failQueue(CorvidException e) {
    Command c;
    while ((c = queue.poll()) != null) {
      if (c instanceof Batch) {
        queued.addAndGet(-((Batch) c).parts.length);
        for (Command part : ((Batch) c).parts) {
          part.fail(e);
        }
      } else {
        queued.decrementAndGet();
        c.fail(e);
      }
    }
  }

  private void sweepTimeouts() {
    long now = System.nanoTime();
    for (Command c : inFlight) {
      if (c.deadlineNanos - now > 0) {
        break;
      }
      if (!c.isDone()) {
        c.fail(new CommandTimeoutException(
            "command " + c.name() + " timed out after " + options.commandTimeout().toMillis() + " ms waiting for "
                + address));
      }
    }
    if (state != State.READY) {
      for (Command c : queue) {
        Command[] parts = c instanceof Batch ? ((Batch) c).parts : new Command[] {c};
        Command last = parts[parts.length - 1];
        if (last.deadlineNanos - now <= 0 && queue.remove(c)) {
          queued.addAndGet(-parts.length);
          for (Command p : parts) {
            p.fail(new ConnectionLostException(
                "command " + p.name() + " not sent within " + options.commandTimeout().toMillis() + " ms: "
                    + address + " is " + state.name().toLowerCase(Locale.ROOT), false));
          }
        }
      }
    }
  }

  /** Several commands queued as one so that nothing comes between them on the wire. */
  private static final class Batch extends Command {
    final Command[] parts;

    Batch(Command[] parts) {
      super(new byte[][] {"BATCH".getBytes(StandardCharsets.US_ASCII)}, parts[parts.length - 1].deadlineNanos, null, false);
      this.parts = parts;
    }
  }

  private final class Handler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      try {
        RespValue v;
        while (ctx.channel() == channel && (v = reader.read(in)) != null) {
          onReply(v);
        }
      } catch (ProtocolException e) {
        ctx.close();
      } finally {
        in.release();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (ctx.channel() == channel) {
        channelLost(null);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
