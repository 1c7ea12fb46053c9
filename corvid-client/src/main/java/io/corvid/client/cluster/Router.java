package io.corvid.client.cluster;

import io.corvid.client.ClientClosedException;
import io.corvid.client.ClientOptions;
import io.corvid.client.ConnectException;
import io.corvid.client.ConnectionLostException;
import io.corvid.client.CorvidException;
import io.corvid.client.ServerErrorException;
import io.corvid.client.connection.Backoff;
import io.corvid.client.connection.Command;
import io.corvid.client.connection.HostAndPort;
import io.corvid.client.connection.NodeConnection;
import io.corvid.common.SlotHash;
import io.corvid.resp.RespValue;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Sends each command to the node that owns its key, and retries it by a fixed policy.
 *
 * <h2>Modes</h2>
 *
 * At bootstrap the router asks the first seed that answers for {@code CLUSTER SHARDS}. An error
 * ({@code cluster support disabled}, or an unknown command on a server without cluster commands)
 * means a single node: every command goes to that one connection. Otherwise the reply becomes a
 * {@link SlotMap} and each key goes to its slot's primary ({@link SlotHash}, hash tags honoured);
 * {@code CLUSTER SLOTS} is the fallback when the server does not know {@code SHARDS}.
 *
 * <h2>Redirects and refresh</h2>
 *
 * {@code -MOVED slot host:port} patches the slot map, resends the command there, and asks for a
 * topology refresh; {@code -ASK slot host:port} sends {@code ASKING} and the command, adjacent,
 * to that node once, without touching the map. A call follows at most
 * {@link ClientOptions#maxRedirects()} redirects. Refreshes (triggered by redirects, lost
 * connections and uncovered slots) run at most once per
 * {@link ClientOptions#topologyRefreshMinInterval()}, and also every
 * {@link ClientOptions#topologyRefreshPeriod()}.
 *
 * <h2>Retry policy</h2>
 *
 * <ul>
 *   <li>{@code TRYAGAIN}, {@code CLUSTERDOWN}, {@code LOADING}, {@code MASTERDOWN}: the server did
 *       not execute the command, so every command is retried.
 *   <li>A command that was never written (the connection could not be opened, or its node left the
 *       topology while it waited) is retried, writes included: it is known not to have been sent.
 *   <li>A command lost with its connection after being written is retried only when the caller
 *       marked it idempotent: reads, and {@code DEL} (deleting twice leaves the same state).
 *       {@code SET}, {@code INCRBY}, {@code EXPIRE} and the rest are not: repeating them could
 *       overwrite a newer write or count twice. They fail with {@link
 *       ConnectionLostException}{@code (sent=true)}: the write may or may not have happened.
 *   <li>Command timeouts are never retried.
 * </ul>
 *
 * Retries back off exponentially with jitter from {@link #RETRY_MIN_DELAY_NANOS} to {@link
 * #RETRY_MAX_DELAY_NANOS}, and stop at the call's deadline ({@link ClientOptions#retryTimeout()}
 * after it began), failing with the last error.
 */
public final class Router implements AutoCloseable {
  public static final long RETRY_MIN_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  public static final long RETRY_MAX_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final byte[][] ASKING = Command.args("ASKING");
  private static final Function<RespValue, RespValue> RAW = r -> r;

  private final ClientOptions options;
  private final EventLoopGroup group;
  private final List<HostAndPort> seeds;
  private final Map<HostAndPort, NodeConnection> connections = new ConcurrentHashMap<>();
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private final AtomicLong lastRefreshNanos = new AtomicLong(System.nanoTime());
  private final AtomicLong redirects = new AtomicLong();
  private final AtomicLong refreshes = new AtomicLong();
  private final Hooks hooks;
  private volatile SlotMap slots;
  private volatile NodeConnection single;
  private volatile boolean closed;
  private io.netty.util.concurrent.ScheduledFuture<?> periodicRefresh;

  /** What the client layers above hear from every data connection (run on event loops). */
  public interface Hooks extends NodeConnection.Listener {
    /** A MOVED reply re-pointed {@code slot}: whatever was tracked on the old owner is orphaned. */
    default void onSlotMoved(int slot) {}
  }

  private Router(ClientOptions options, EventLoopGroup group, List<HostAndPort> seeds, Hooks hooks) {
    this.options = options;
    this.group = group;
    this.seeds = seeds;
    this.hooks = hooks;
  }

  /** Connects to the first seed that answers and reads the topology (blocking). */
  public static Router bootstrap(
      ClientOptions options, EventLoopGroup group, List<HostAndPort> seeds, Hooks hooks) {
    Router r = new Router(options, group, seeds, hooks);
    CorvidException last = null;
    for (HostAndPort seed : seeds) {
      NodeConnection c = r.newConnection(seed);
      try {
        await(c.connect(), options);
        RespValue shards = await(c.send(Command.args("CLUSTER", "SHARDS")), options);
        if (shards instanceof RespValue.ErrorReply) {
          String m = ((RespValue.ErrorReply) shards).message().toLowerCase(Locale.ROOT);
          if (m.contains("unknown subcommand")) {
            RespValue slots = await(c.send(Command.args("CLUSTER", "SLOTS")), options);
            r.install(TopologyParser.parseSlots(slots, seed), c);
          } else if (m.contains("cluster support disabled") || m.contains("unknown command")) {
            r.single = c;
            r.connections.put(seed, c);
            return r;
          } else {
            throw new ServerErrorException(((RespValue.ErrorReply) shards).message());
          }
        } else {
          r.install(TopologyParser.parseShards(shards, seed), c);
        }
        long period = options.topologyRefreshPeriod().toNanos();
        r.periodicRefresh = group.scheduleAtFixedRate(() -> r.refresh(true), period, period, TimeUnit.NANOSECONDS);
        return r;
      } catch (CorvidException e) {
        c.close();
        last = e;
      }
    }
    r.close();
    throw last != null ? last : new ConnectException("no seed given", null);
  }

  private NodeConnection newConnection(HostAndPort address) {
    NodeConnection c = new NodeConnection(address, options, group, new NodeConnection.Listener() {
      @Override
      public void onDisconnected(NodeConnection connection) {
        refresh(false);
        hooks.onDisconnected(connection);
      }

      @Override
      public void onConnected(NodeConnection connection) {
        hooks.onConnected(connection);
      }

      @Override
      public void onPush(NodeConnection connection, RespValue.Push push) {
        hooks.onPush(connection, push);
      }

      @Override
      public List<Command> reconnectCommands() {
        return hooks.reconnectCommands();
      }
    }, false);
    return c;
  }

  public boolean isCluster() {
    return single == null;
  }

  /** The slot of {@code key}, or -1 against a single node (where slots do not matter). */
  public int slot(byte[] key) {
    return single == null ? SlotHash.slot(key) : -1;
  }

  /** How many MOVED and ASK redirects were followed. */
  public long redirects() {
    return redirects.get();
  }

  /** How many topology refreshes completed. */
  public long refreshes() {
    return refreshes.get();
  }

  /** The primaries of the current topology (the one node when not a cluster). */
  public List<HostAndPort> nodes() {
    return single != null ? List.of(single.address()) : slots.nodes();
  }

  /** The data connections open now. */
  public List<NodeConnection> openConnections() {
    return new ArrayList<>(connections.values());
  }

  /** The primary the slot map names for {@code slot} (null when uncovered or not a cluster). */
  public HostAndPort primaryOf(int slot) {
    SlotMap map = slots;
    return single != null || map == null ? null : map.primary(slot);
  }

  /** The open connection to a node of the topology (opening it if needed). */
  public NodeConnection connection(HostAndPort address) {
    NodeConnection c = connections.get(address);
    if (c != null && !c.isClosed()) {
      return c;
    }
    synchronized (connections) {
      c = connections.get(address);
      if (c == null || c.isClosed()) {
        c = newConnection(address);
        connections.put(address, c);
        c.connect();
      }
      return c;
    }
  }

  /**
   * Runs a command and completes with its reply; error replies complete exceptionally with
   * {@link ServerErrorException}.
   *
   * @param slot the key's slot from {@link #slot}, or -1 for a command without a key (any node)
   * @param idempotent whether the command may be repeated after a connection loss
   */
  public CompletableFuture<RespValue> execute(int slot, boolean idempotent, byte[][] args) {
    return execute(slot, idempotent, args, RAW);
  }

  /**
   * As {@link #execute(int, boolean, byte[][])}, completing with {@code decoder} applied to the
   * reply (on the event loop; what it throws fails the future). Saves the extra future and
   * callback a {@code thenApply} would cost per command.
   */
  public <T> CompletableFuture<T> execute(
      int slot, boolean idempotent, byte[][] args, Function<? super RespValue, ? extends T> decoder) {
    Call<T> call = new Call<>(slot, idempotent, args, System.nanoTime() + options.retryTimeout().toNanos(), decoder);
    attempt(call);
    return call;
  }

  /** Runs a command on one given node (no redirects followed): CLUSTER commands, tests. */
  public CompletableFuture<RespValue> executeOn(HostAndPort node, byte[][] args) {
    return connection(node).send(args);
  }

  private void attempt(Call<?> call) {
    if (closed) {
      call.completeExceptionally(new ClientClosedException("client closed"));
      return;
    }
    NodeConnection conn;
    if (call.askTarget != null) {
      conn = connection(call.askTarget);
    } else if (single != null) {
      conn = single;
    } else {
      HostAndPort node = call.slot < 0 ? anyNode() : slots.primary(call.slot);
      if (node == null) {
        refresh(false);
        retryLater(call, new ServerErrorException("CLUSTERDOWN Hash slot " + call.slot + " not served by any known node"));
        return;
      }
      conn = connection(node);
    }
    // A command waiting for a node that is reconnecting gives up at the call's deadline at the latest.
    long deadline = System.nanoTime() + options.commandTimeout().toNanos();
    if (call.deadlineNanos - deadline < 0) {
      deadline = call.deadlineNanos;
    }
    Attempt cmd = new Attempt(call, deadline);
    if (call.askTarget != null) {
      call.askTarget = null;
      conn.submitAll(new Command(ASKING, cmd.deadline()), cmd);
    } else {
      conn.submit(cmd);
    }
  }

  /** One attempt of a call on one connection: its outcome goes straight to {@link #onResult}. */
  private final class Attempt extends Command {
    private final Call<?> call;

    Attempt(Call<?> call, long deadlineNanos) {
      super(call.args, deadlineNanos, null, false);
      this.call = call;
    }

    @Override
    protected void completed(RespValue reply, Throwable error) {
      try {
        onResult(call, reply, error);
      } catch (RuntimeException e) {
        call.completeExceptionally(e);
      }
    }
  }

  private HostAndPort anyNode() {
    List<HostAndPort> nodes = slots.nodes();
    return nodes.isEmpty() ? null : nodes.get(0);
  }

  private void onResult(Call<?> call, RespValue reply, Throwable error) {
    if (error != null) {
      Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (retryable(e, call)) {
        if (single == null) {
          refresh(false);
        }
        retryLater(call, e);
      } else {
        call.completeExceptionally(e);
      }
      return;
    }
    if (!(reply instanceof RespValue.ErrorReply)) {
      call.finish(reply);
      return;
    }
    String message = ((RespValue.ErrorReply) reply).message();
    String code = ((RespValue.ErrorReply) reply).code();
    switch (code) {
      case "MOVED":
      case "ASK":
        {
          if (++call.redirects > options.maxRedirects()) {
            call.completeExceptionally(new ServerErrorException(
                message + " (gave up after " + options.maxRedirects() + " redirects)"));
            return;
          }
          redirects.incrementAndGet();
          String[] parts = message.split(" ");
          HostAndPort target = HostAndPort.parse(parts[2]);
          if (code.equals("MOVED")) {
            SlotMap map = slots;
            if (map != null) {
              int slot = Integer.parseInt(parts[1]);
              map.moved(slot, target);
              hooks.onSlotMoved(slot);
            }
            refresh(false);
            if (single != null) {
              call.completeExceptionally(new ServerErrorException(message));
              return;
            }
          } else {
            call.askTarget = target;
          }
          attempt(call);
          return;
        }
      case "TRYAGAIN":
      case "CLUSTERDOWN":
      case "LOADING":
      case "MASTERDOWN":
        retryLater(call, new ServerErrorException(message));
        return;
      default:
        call.completeExceptionally(new ServerErrorException(message));
    }
  }

  private boolean retryable(Throwable e, Call<?> call) {
    if (closed) {
      return false;
    }
    if (e instanceof ConnectException) {
      return true;
    }
    if (e instanceof ConnectionLostException) {
      return !((ConnectionLostException) e).wasSent() || call.idempotent;
    }
    return false;
  }

  private void retryLater(Call<?> call, Throwable cause) {
    long delay = Backoff.delayNanos(call.retries++, RETRY_MIN_DELAY_NANOS, RETRY_MAX_DELAY_NANOS);
    if (System.nanoTime() + delay - call.deadlineNanos > 0) {
      call.completeExceptionally(cause);
      return;
    }
    group.schedule(() -> attempt(call), delay, TimeUnit.NANOSECONDS);
  }

  /**
   * Reads the topology again, at most once per {@link ClientOptions#topologyRefreshMinInterval()}
   * unless {@code periodic}.
   */
  public CompletableFuture<Void> refresh(boolean periodic) {
    if (single != null || closed) {
      return CompletableFuture.completedFuture(null);
    }
    long now = System.nanoTime();
    long last = lastRefreshNanos.get();
    if (!periodic && now - last < options.topologyRefreshMinInterval().toNanos()) {
      return CompletableFuture.completedFuture(null);
    }
    if (!refreshing.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(null);
    }
    lastRefreshNanos.set(now);
    Set<HostAndPort> candidates = new LinkedHashSet<>(slots.nodes());
    candidates.addAll(seeds);
    CompletableFuture<Void> done = new CompletableFuture<>();
    refreshFrom(new ArrayList<>(candidates), 0, done);
    return done.whenComplete((v, e) -> refreshing.set(false));
  }

  private void refreshFrom(List<HostAndPort> candidates, int i, CompletableFuture<Void> done) {
    if (i >= candidates.size() || closed) {
      done.complete(null); // nobody answered: keep the map we have
      return;
    }
    HostAndPort node = candidates.get(i);
    connection(node).send(Command.args("CLUSTER", "SHARDS")).whenComplete((reply, error) -> {
      try {
        if (error == null && !(reply instanceof RespValue.ErrorReply)) {
          install(TopologyParser.parseShards(reply, node), null);
          refreshes.incrementAndGet();
          done.complete(null);
          return;
        }
      } catch (RuntimeException e) {
        // a malformed reply: ask the next node
      }
      refreshFrom(candidates, i + 1, done);
    });
  }

  private void install(SlotMap map, NodeConnection seedConnection) {
    if (map.nodes().isEmpty()) {
      throw new ServerErrorException("CLUSTERDOWN the cluster serves no slots");
    }
    slots = map;
    List<HostAndPort> nodes = map.nodes();
    if (seedConnection != null) {
      if (nodes.contains(seedConnection.address())) {
        connections.put(seedConnection.address(), seedConnection);
      } else {
        seedConnection.close();
      }
    }
    for (Map.Entry<HostAndPort, NodeConnection> e : connections.entrySet()) {
      if (!nodes.contains(e.getKey()) && connections.remove(e.getKey(), e.getValue())) {
        e.getValue().retire();
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    if (periodicRefresh != null) {
      periodicRefresh.cancel(false);
    }
    for (NodeConnection c : connections.values()) {
      c.close();
    }
    connections.clear();
  }

  static <T> T await(CompletableFuture<T> f, ClientOptions options) {
    try {
      return f.get(options.connectTimeout().toMillis() + options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof CorvidException) {
        throw (CorvidException) e.getCause();
      }
      throw new CorvidException(e.getCause().toString(), e.getCause());
    } catch (TimeoutException e) {
      throw new ConnectException("timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CorvidException("interrupted", e);
    }
  }

  /** One call across its attempts; it is itself the future the caller gets. */
  private static final class Call<T> extends CompletableFuture<T> {
    final int slot;
    final boolean idempotent;
    final byte[][] args;
    final long deadlineNanos;
    final Function<? super RespValue, ? extends T> decoder;
    HostAndPort askTarget;
    int redirects;
    int retries;

    Call(int slot, boolean idempotent, byte[][] args, long deadlineNanos, Function<? super RespValue, ? extends T> decoder) {
      this.slot = slot;
      this.idempotent = idempotent;
      this.args = args;
      this.deadlineNanos = deadlineNanos;
      this.decoder = decoder;
    }

    /** Completes with the decoded reply, or with what the decoder threw. */
    void finish(RespValue reply) {
      T value;
      try {
        value = decoder.apply(reply);
      } catch (RuntimeException e) {
        completeExceptionally(e);
        return;
      }
      complete(value);
    }
  }
}
