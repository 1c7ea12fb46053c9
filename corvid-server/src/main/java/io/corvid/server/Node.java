package io.corvid.server;

import io.corvid.common.Clock;
import io.corvid.server.cluster.ClusterState;
import io.corvid.server.command.CommandTable;
import io.corvid.server.command.ServerContext;
import io.corvid.server.config.ServerConfig;
import io.corvid.storage.Keyspace;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Corvid node: its configuration, keyspace, command table and everything commands share
 * (clients, pub/sub, WATCH, stats, slow log). What commands see of it is {@link ServerContext}.
 *
 * <h2>Concurrency</h2>
 * Connections live on several event loops, but every command runs with {@link #lock()} held: the
 * keyspace is not thread-safe, and the same lock guards pub/sub, WATCH, the slow log and the
 * command counters, so none of them needs its own synchronisation. Counters read by INFO without
 * the lock (connections) are atomic.
 */
public final class Node implements ServerContext {
  private static final Logger log = LoggerFactory.getLogger("corvid");

  public static final String VERSION = "0.1.0";
  /** The Redis version Corvid follows; reported where clients look for a Redis version. */
  public static final String REDIS_COMPATIBLE_VERSION = "7.2.0";

  private final ServerConfig config;
  private final Keyspace keyspace;
  private final Clock clock;
  private final CommandTable commands;
  private final Dispatcher dispatcher;
  /** Null unless cluster mode. */
  private final ClusterState cluster;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<Long, ClientConnection> clients = new ConcurrentSkipListMap<>();
  private final PubSub pubSub = new PubSub();
  private final Watches watches = new Watches();
  private final Tracking tracking = new Tracking(this);
  private final SlowLog slowLog = new SlowLog();
  private final AtomicLong nextClientId = new AtomicLong(1);
  private final String runId;
  private final long startMillis;
  private final long startNanos;

  // INFO stats
  final AtomicLong connectionsReceived = new AtomicLong();
  final AtomicLong rejectedConnections = new AtomicLong();
  final AtomicLong netInputBytes = new AtomicLong();
  final AtomicLong netOutputBytes = new AtomicLong();
  /** Guarded by the lock. */
  long commandsProcessed;
  long errorReplies;

  private volatile Runnable shutdownAction = () -> {};
  /** Backing stores (io.corvid.server.backing); null when none is configured. */
  private volatile io.corvid.server.backing.BackingStores backing;
  private volatile int boundPort;
  /** Cluster mode only: the data plane (replication, WAIT); null otherwise. */
  private final io.corvid.server.replication.Replication replication;

  public Node(ServerConfig config, Keyspace keyspace, Clock clock) {
    this.config = config;
    this.keyspace = keyspace;
    this.clock = clock;
    this.commands = CommandTable.load();
    this.cluster = config.clusterEnabled() ? new ClusterState() : null;
    this.replication = cluster != null ? new io.corvid.server.replication.Replication(this) : null;
    this.dispatcher = new Dispatcher(this); // after replication: it keeps a reference
    this.startMillis = clock.currentTimeMillis();
    this.startNanos = clock.nanoTime();
    byte[] id = new byte[20];
    new SecureRandom().nextBytes(id);
    this.runId = HexFormat.of().formatHex(id);
    keyspace.setListener(replication == null ? KeyspaceListeners.of(watches, tracking)
        : KeyspaceListeners.of(KeyspaceListeners.of(watches, tracking), replication));
    config.onChange(this::applyConfigChange);
  }

  /** Pushes a CONFIG SET change into the parts that hold a copy (called with the lock held). */
  private void applyConfigChange(String option) {
    switch (option) {
      case "maxmemory" -> {
        keyspace.setMaxMemory(config.maxmemory());
        // As Redis: lowering maxmemory evicts at once rather than at the next write.
        if (!keyspace.evictIfNeeded()) {
          log.warn("WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the current memory usage ({})."
              + " This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.",
              config.maxmemory(), keyspace.usedMemory());
        }
      }
      case "maxmemory-policy" -> keyspace.setPolicy(config.maxmemoryPolicy());
      case "lfu-log-factor" -> keyspace.setLfuLogFactor(config.lfuLogFactor());
      case "lfu-decay-time" -> keyspace.setLfuDecayTimeMinutes(config.lfuDecayTimeMinutes());
      case "repl-backlog-size" -> {
        if (replication != null) {
          replication.setBacklogSize(config.replBacklogSize());
        }
      }
      default -> { }
    }
  }

  // ---------------------------------------------------------------- ServerContext

  @Override
  public long protoMaxBulkLen() {
    return config.protoMaxBulkLen();
  }

  @Override
  public boolean clusterEnabled() {
    return cluster != null;
  }

  /** The cluster's state as commands read it; null unless cluster mode. */
  public ClusterState cluster() { return cluster; }
  /** The data plane (replication, WAIT); null unless cluster mode. */
  public io.corvid.server.replication.Replication replication() { return replication; }
  public ServerConfig config() { return config; }
  public Keyspace keyspace() { return keyspace; }
  public Clock clock() { return clock; }
  public CommandTable commands() { return commands; }
  public Dispatcher dispatcher() { return dispatcher; }
  public ReentrantLock lock() { return lock; }
  public PubSub pubSub() { return pubSub; }
  public Watches watches() { return watches; }
  public Tracking tracking() { return tracking; }
  public SlowLog slowLog() { return slowLog; }
  public io.corvid.server.backing.BackingStores backing() { return backing; }
  void setBacking(io.corvid.server.backing.BackingStores backing) { this.backing = backing; }
  public String runId() { return runId; }
  /** The port actually listened on (differs from the port option when that is 0). */
  public int boundPort() { return boundPort; }
  void setBoundPort(int port) { this.boundPort = port; }
  public long startMillis() { return startMillis; }
  public long uptimeMillis() { return (clock.nanoTime() - startNanos) / 1_000_000; }

  // ---------------------------------------------------------------- clients

  long newClientId() {
    return nextClientId.getAndIncrement();
  }

  /** Registers a connection; false when maxclients is reached. */
  boolean addClient(ClientConnection c) {
    connectionsReceived.incrementAndGet();
    if (clients.size() >= config.maxclients()) {
      rejectedConnections.incrementAndGet();
      return false;
    }
    clients.put(c.clientId(), c);
    return true;
  }

  void removeClient(ClientConnection c) {
    clients.remove(c.clientId());
  }

  /** Connected clients by id (a live view; iterate with the lock held for a stable picture). */
  public Map<Long, ClientConnection> clients() {
    return clients;
  }

  public long commandsProcessed() { return commandsProcessed; }
  public long errorReplies() { return errorReplies; }
  public long connectionsReceived() { return connectionsReceived.get(); }
  public long rejectedConnections() { return rejectedConnections.get(); }
  public long netInputBytes() { return netInputBytes.get(); }
  public long netOutputBytes() { return netOutputBytes.get(); }

  /** CONFIG RESETSTAT: command stats, INFO counters, keyspace hit/miss counters. */
  public void resetStats() {
    commands.all().forEach(s -> s.resetStats());
    commandsProcessed = 0;
    errorReplies = 0;
    connectionsReceived.set(0);
    rejectedConnections.set(0);
    netInputBytes.set(0);
    netOutputBytes.set(0);
    keyspace.resetStats();
  }

  // ---------------------------------------------------------------- shutdown

  void onShutdownRequest(Runnable action) {
    this.shutdownAction = action;
  }

  /** SHUTDOWN: stops the node (asynchronously, so the calling event loop is not blocked) and exits 0. */
  public void requestShutdown(String reason) {
    log.info("{}: shutting down", reason);
    shutdownAction.run();
  }
}
