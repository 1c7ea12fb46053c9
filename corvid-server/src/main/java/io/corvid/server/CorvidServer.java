package io.corvid.server;

import io.corvid.common.Clock;
import io.corvid.server.cluster.ClusterService;
import io.corvid.server.cluster.SlotDataPlane;
import io.corvid.server.config.MemoryUnits;
import io.corvid.server.config.ServerConfig;
import io.corvid.storage.Keyspace;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: the keyspace, the {@link Node}, the Netty listener and the cron. {@link #start}
 * binds and logs the ready line; {@link #stop} stops accepting, closes every connection, stops
 * the threads and frees the keyspace. Stop is idempotent and safe from any thread but an event
 * loop of this server.
 */
public final class CorvidServer {
  private static final Logger log = LoggerFactory.getLogger("corvid");
  /** Pending connections the kernel queues (Redis's tcp-backlog default). */
  public static final int TCP_BACKLOG = 511;
  /** Back-pressure: a client whose unsent replies exceed the high mark stops being read until they fall under the low mark. */
  public static final int WRITE_LOW_WATER_MARK_BYTES = 256 * 1024;
  public static final int WRITE_HIGH_WATER_MARK_BYTES = 1024 * 1024;
  private static final long STOP_TIMEOUT_SECONDS = 10;

  private final ServerConfig config;
  private final Node node;
  private final Keyspace keyspace;
  private final Transport transport;
  private EventLoopGroup bossGroup;
  private EventLoopGroup workerGroup;
  private final List<Channel> listeners = new ArrayList<>();
  private ServerCron cron;
  private ClusterService cluster;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private int port;

  public CorvidServer(ServerConfig config) {
    this.config = config;
    this.keyspace = Keyspace.create(config.storageConfig(), Clock.SYSTEM);
    this.node = new Node(config, keyspace, Clock.SYSTEM);
    this.transport = Transport.best();
  }

  public Node node() {
    return node;
  }

  public int port() {
    return port;
  }

  public void start() throws InterruptedException, java.io.IOException {
    node.setBacking(io.corvid.server.backing.BackingStores.start(node));
    bossGroup = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
    workerGroup = new MultiThreadIoEventLoopGroup(config.ioThreads(), transport.ioHandlerFactory());
    ServerBootstrap b = new ServerBootstrap()
        .group(bossGroup, workerGroup)
        .channel(transport.serverChannel())
        .option(ChannelOption.SO_BACKLOG, TCP_BACKLOG)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
            new WriteBufferWaterMark(WRITE_LOW_WATER_MARK_BYTES, WRITE_HIGH_WATER_MARK_BYTES))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new ClientConnection(node));
          }
        });
    int bindPort = config.port();
    for (String host : config.bind().split(" ")) {
      String h = host.startsWith("-") ? host.substring(1) : host;
      if (h.equals("*")) {
        h = "0.0.0.0";
      }
      Channel ch = b.bind(h, bindPort).sync().channel();
      listeners.add(ch);
      if (bindPort == 0) {
        bindPort = ((InetSocketAddress) ch.localAddress()).getPort();
      }
    }
    port = bindPort;
    node.setBoundPort(port);
    cron = new ServerCron(node);
    cron.start();
    if (node.cluster() != null) {
      String firstBind = config.bind().split(" ")[0];
      cluster = new ClusterService(node, port, firstBind.startsWith("-") ? firstBind.substring(1) : firstBind);
      cluster.setDataPlane(clusterDataPlane(node));
      try {
        cluster.start();
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("cannot join the cluster on bus port " + cluster.self().busPort() + ": " + e, e);
      }
    }
    node.onShutdownRequest(() -> {
      Thread t = new Thread(() -> {
        stop();
        System.exit(0);
      }, "corvid-shutdown");
      t.start();
    });
    InetSocketAddress first = (InetSocketAddress) listeners.get(0).localAddress();
    log.info("Corvid {} ready to accept connections on {}:{} (maxmemory {}, maxmemory-policy {}, databases {}, maxclients {}, io-threads {}, transport {})",
        Node.VERSION, first.getAddress().getHostAddress(), port,
        config.maxmemory() == 0 ? "unlimited" : MemoryUnits.compact(config.maxmemory()),
        config.maxmemoryPolicy().configName(), config.databases(), config.maxclients(), config.ioThreads(), transport.name());
  }

  /**
   * The cluster's data plane: replication, slot migration and WAIT (io.corvid.server.replication),
   * created with the node in cluster mode.
   */
  static SlotDataPlane clusterDataPlane(Node node) {
    return node.replication();
  }

  /**
   * Stops the node; returns when it is stopped (or another thread already stopped it). In
   * cluster mode the node first leaves gracefully: its slots are handed over to the others and it
   * waits for that at most {@code cluster-leave-timeout}, serving clients meanwhile.
   */
  public void stop() {
    if (!stopping.compareAndSet(false, true)) {
      try {
        stopped.await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    try {
      if (cluster != null) {
        try {
          cluster.leave(config.clusterLeaveTimeoutMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        log.info("Disconnecting from the cluster");
        cluster.stop();
      }
      log.info("Stopping: closing listeners and {} client connection(s)", node.clients().size());
      for (Channel ch : listeners) {
        ch.close().awaitUninterruptibly(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      }
      if (cron != null) {
        cron.stop();
      }
      for (ClientConnection c : node.clients().values()) {
        c.close();
      }
      if (workerGroup != null) {
        workerGroup.shutdownGracefully(0, STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS).awaitUninterruptibly();
      }
      if (bossGroup != null) {
        bossGroup.shutdownGracefully(0, STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS).awaitUninterruptibly();
      }
      if (node.backing() != null) {
        node.backing().close(); // drains the write-behind queue
      }
      node.lock().lock();
      try {
        keyspace.close();
      } finally {
        node.lock().unlock();
      }
      log.info("Corvid is now ready to exit, bye bye...");
    } finally {
      stopped.countDown();
    }
  }

  public void awaitStopped() throws InterruptedException {
    stopped.await();
  }
}
