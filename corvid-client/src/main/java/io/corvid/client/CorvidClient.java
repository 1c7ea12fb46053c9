package io.corvid.client;

import io.corvid.client.cluster.Router;
import io.corvid.client.connection.HostAndPort;
import io.corvid.client.connection.NodeConnection;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The client: connects to Corvid, Redis or a Redis Cluster from any seed, and hands out the
 * command APIs and typed caches. Thread-safe; make one per application and share it. Closing it
 * fails every pending command with {@link ClientClosedException} and stops its threads.
 *
 * <pre>{@code
 * try (CorvidClient client = CorvidClient.connect("server1:6379", "server2:6379")) {
 *   client.sync().set("greeting", "hello");
 *   CorvidCache<String, Product> products =
 *       client.cache(CacheOptions.of("products", Codecs.string(), Codecs.json(Product.class)));
 *   Product p = products.get("42", id -> database.loadProduct(id));
 * }
 * }</pre>
 *
 * See {@link Router} for routing and the retry policy, {@link NodeConnection} for connections.
 */
public final class CorvidClient implements AutoCloseable {
  /** Event loop threads: each node's connection lives on one of them. */
  public static final int DEFAULT_IO_THREADS = Math.min(4, Math.max(1, Runtime.getRuntime().availableProcessors()));
  /** How long {@link #close()} waits for the event loops to stop. */
  static final long SHUTDOWN_TIMEOUT_MILLIS = 5000;

  private final ClientOptions options;
  private final EventLoopGroup group;
  private final Router router;
  private final AsyncCommands async;
  private final SyncCommands sync;
  private final Tracking tracking = new Tracking();
  private PubSub pubSub;
  private volatile boolean closed;

  private CorvidClient(ClientOptions options, List<HostAndPort> seeds) {
    this.options = options;
    this.group = new MultiThreadIoEventLoopGroup(DEFAULT_IO_THREADS, new DefaultThreadFactory("corvid-client", true), NioIoHandler.newFactory());
    try {
      tracking.commandTimeout(options.commandTimeout().toNanos());
      this.router = Router.bootstrap(options, group, seeds, tracking);
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
    this.async = new AsyncCommands(router);
    this.sync = new SyncCommands(async, options);
  }

  /** Connects with default options to the first of {@code seeds} ("host:port") that answers. */
  public static CorvidClient connect(String... seeds) {
    return connect(ClientOptions.defaults(), seeds);
  }

  public static CorvidClient connect(ClientOptions options, String... seeds) {
    if (seeds.length == 0) {
      throw new IllegalArgumentException("at least one seed host:port is needed");
    }
    List<HostAndPort> list = new ArrayList<>();
    for (String s : seeds) {
      list.add(HostAndPort.parse(s));
    }
    return new CorvidClient(options, list);
  }

  public AsyncCommands async() {
    return async;
  }

  public SyncCommands sync() {
    return sync;
  }

  public ClientOptions options() {
    return options;
  }

  /** A typed view of the keys {@code options.name() + ":*"}. */
  public <K, V> CorvidCache<K, V> cache(CacheOptions<K, V> cacheOptions) {
    return new CorvidCache<>(this, cacheOptions);
  }

  /** True when connected to a cluster (slot routing), false against a single node. */
  public boolean isCluster() {
    return router.isCluster();
  }

  /** The routing layer: topology, redirects, per-node connections. */
  public Router router() {
    return router;
  }

  /** Runs {@code listener} on the event loop whenever a data connection breaks. */
  public void onDisconnect(Consumer<NodeConnection> listener) {
    tracking.addDisconnectListener(listener);
  }

  /** Subscribes {@code handler} to {@code channel}; completes once the server confirmed. */
  public CompletableFuture<Subscription> subscribeAsync(String channel, Consumer<Message> handler) {
    synchronized (this) {
      if (closed) {
        throw new ClientClosedException("client closed");
      }
      if (pubSub == null) {
        pubSub = new PubSub(router.nodes().get(0), options, group);
      }
    }
    return pubSub.subscribe(channel, handler);
  }

  public Subscription subscribe(String channel, Consumer<Message> handler) {
    return sync.await(subscribeAsync(channel, handler));
  }

  /**
   * A connection of its own (not the shared, multiplexed one) to the primary that serves {@code
   * routingKey}'s slot (the single node when not a cluster; any node when the key is null), for
   * state that lives on a connection, such as WATCH ... MULTI ... EXEC. Nothing is routed or
   * retried on it: a slot that moved answers with the server's MOVED error. The caller closes it.
   * It does not reconnect: when it breaks it closes, commands in flight fail with {@link
   * ConnectionLostException} and commands not yet written with {@link ClientClosedException}, so
   * connection state (a WATCH) is never silently lost by a reconnect.
   */
  public NodeConnection openConnection(byte[] routingKey) {
    if (closed) {
      throw new ClientClosedException("client closed");
    }
    HostAndPort node = routingKey == null ? null : router.primaryOf(router.slot(routingKey));
    if (node == null) {
      node = router.nodes().get(0);
    }
    NodeConnection c = new NodeConnection(node, options, group, new NodeConnection.Listener() {
      @Override
      public void onDisconnected(NodeConnection connection) {
        connection.close();
      }
    }, false);
    try {
      sync.await(c.connect());
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  Tracking tracking() {
    return tracking;
  }

  EventLoopGroup group() {
    return group;
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (pubSub != null) {
        pubSub.close();
      }
    }
    router.close();
    group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
  }
}
