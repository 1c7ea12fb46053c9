package io.corvid.server.config;

import io.corvid.resp.RespLimits;
import io.corvid.storage.EvictionPolicy;
import io.corvid.storage.StorageConfig;
import io.corvid.server.util.GlobMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Every setting of a node, named as in redis.conf, with its default as a named constant. The same
 * option table serves the command line, the config file, CONFIG GET and CONFIG SET, so a value is
 * validated once, the same way, wherever it comes from (errors are worded as Redis words them).
 *
 * <p>Values are volatile: they are read by event loops and the cron thread and written by CONFIG
 * SET. Listeners registered with {@link #onChange} apply a change where it matters (the keyspace's
 * maxmemory, the parser's limits, the cron's hz).
 */
public final class ServerConfig {

  // ---------------------------------------------------------------- defaults and limits

  public static final int DEFAULT_PORT = 6379;
  public static final String DEFAULT_BIND = "127.0.0.1";
  public static final long DEFAULT_MAXMEMORY_BYTES = StorageConfig.DEFAULT_MAX_MEMORY_BYTES;
  public static final EvictionPolicy DEFAULT_MAXMEMORY_POLICY = StorageConfig.DEFAULT_POLICY;
  public static final String DEFAULT_REQUIREPASS = "";
  public static final int DEFAULT_DATABASES = StorageConfig.DEFAULT_DATABASES;
  public static final int MAX_DATABASES = 1024 * 1024;
  public static final long DEFAULT_MAXCLIENTS = 10_000;
  public static final long DEFAULT_PROTO_MAX_BULK_LEN_BYTES = RespLimits.DEFAULT_PROTO_MAX_BULK_LEN;
  /** Redis refuses proto-max-bulk-len and client-query-buffer-limit below 1mb. */
  public static final long MIN_BUFFER_LIMIT_BYTES = 1024 * 1024;
  public static final long DEFAULT_CLIENT_QUERY_BUFFER_LIMIT_BYTES = 1024L * 1024 * 1024;
  public static final long DEFAULT_MAX_MULTIBULK_LENGTH = RespLimits.DEFAULT_MAX_MULTIBULK_LENGTH;
  public static final long DEFAULT_MAX_INLINE_LENGTH_BYTES = RespLimits.DEFAULT_MAX_INLINE_LENGTH;
  public static final OutputBufferLimits DEFAULT_CLIENT_OUTPUT_BUFFER_LIMIT = OutputBufferLimits.DEFAULTS;
  /** Seconds a client may stay idle before it is closed; 0 = never. */
  public static final long DEFAULT_TIMEOUT_SECONDS = 0;
  /**
   * Event loops: 1, as Redis's io-threads default. Every command runs under the one node lock, so
   * more loops only add lock hand-offs and context switches unless many connections keep the
   * kernel's socket work busy; raise it on a big machine with many clients. Measured on the
   * 2-core team box (docs/benchmarks.md): 1 loop against 2 took GET p99 at -P 1 from 2.1 to
   * 0.5 ms and GET -P 16 from 1.22M to 1.48M ops/s.
   */
  public static final int DEFAULT_IO_THREADS = 1;
  public static final int MAX_IO_THREADS = 128;
  public static final long DEFAULT_SLOWLOG_LOG_SLOWER_THAN_MICROS = 10_000;
  public static final long DEFAULT_SLOWLOG_MAX_LEN = 128;
  public static final int DEFAULT_LFU_LOG_FACTOR = StorageConfig.DEFAULT_LFU_LOG_FACTOR;
  public static final int DEFAULT_LFU_DECAY_TIME_MINUTES = StorageConfig.DEFAULT_LFU_DECAY_TIME_MINUTES;
  public static final int DEFAULT_HZ = 10;
  /** Redis clamps hz into [1, 500] silently. */
  public static final int MIN_HZ = 1;
  public static final int MAX_HZ = 500;
  /** Keys the CLIENT TRACKING invalidation table may hold (Redis's default); 0 = no limit. */
  public static final long DEFAULT_TRACKING_TABLE_MAX_KEYS = 1_000_000;
  /** Where the node keeps its files (the write-behind log), as redis.conf's dir. */
  public static final String DEFAULT_DIR = ".";
  /** fsync policy of the write-behind log, named as appendfsync: always, everysec, no. */
  public static final String DEFAULT_BACKING_STORE_FSYNC = "everysec";
  /** A write-behind write that failed this many flush attempts goes to the dead-letter list. */
  public static final long DEFAULT_BACKING_STORE_MAX_ATTEMPTS = 10;
  /** Most coalesced writes one write-behind flush sends in one transaction. */
  public static final long DEFAULT_BACKING_STORE_BATCH_SIZE = 256;
  public static final long MAX_BACKING_STORE_BATCH_SIZE = 100_000;

  // cluster (docs/operations.md, "Cluster"); every cluster option is read at start only
  public static final boolean DEFAULT_CLUSTER_ENABLED = false;
  public static final String DEFAULT_CLUSTER_SEEDS = "";
  /** 0 = the client port plus {@link #CLUSTER_PORT_OFFSET}, as Redis's cluster bus. */
  public static final int DEFAULT_CLUSTER_PORT = 0;
  public static final int CLUSTER_PORT_OFFSET = 10_000;
  public static final int DEFAULT_CLUSTER_REPLICAS = 1;
  public static final int MAX_CLUSTER_REPLICAS = io.corvid.cluster.Topology.MAX_REPLICAS;
  /**
   * A member that sends no heartbeat for this long is suspected (JGroups FD_ALL3), then verified
   * and removed: how long a hung (not crashed) node stays in the view. Heartbeats go out every
   * quarter of it. Redis's cluster-node-timeout is 15000; Corvid's failover target is seconds.
   */
  public static final long DEFAULT_CLUSTER_NODE_TIMEOUT_MILLIS = 3_000;
  public static final long MIN_CLUSTER_NODE_TIMEOUT_MILLIS = 400;
  /**
   * How long a suspected member is given to answer before it is removed (JGroups
   * VERIFY_SUSPECT2). A killed node's sockets close at once (FD_SOCK2 notices), so this is most
   * of the time a crashed node stays in the view.
   */
  public static final long DEFAULT_CLUSTER_SUSPECT_TIMEOUT_MILLIS = 500;
  /** Address other nodes and clients use for this node; "" = the first bind address. */
  public static final String DEFAULT_CLUSTER_ANNOUNCE_IP = "";
  /**
   * Replication backlog (cluster mode): the recent writes of every slot this node is primary of,
   * kept so a follower that lags or reconnects continues instead of taking a snapshot of the slot.
   * One bound for all slots together, on the heap (io.corvid.server.replication.Backlog).
   */
  public static final long DEFAULT_REPL_BACKLOG_SIZE_BYTES = 16L * 1024 * 1024;
  /** Redis's minimum for repl-backlog-size. */
  public static final long MIN_REPL_BACKLOG_SIZE_BYTES = 16 * 1024;
  /**
   * A primary whose view holds no majority of the topology's members refuses writes
   * (-CLUSTERDOWN) this long after that view arrived (corvid-cluster's minorityWriteTimeoutMillis).
   */
  public static final long DEFAULT_CLUSTER_MINORITY_TIMEOUT_MILLIS =
      io.corvid.cluster.ClusterConfig.DEFAULT_MINORITY_WRITE_TIMEOUT_MILLIS;
  /** Whether a node in a minority keeps serving (possibly stale) reads; Redis's cluster-allow-reads-when-down. */
  public static final boolean DEFAULT_CLUSTER_MINORITY_READS = io.corvid.cluster.ClusterConfig.DEFAULT_MINORITY_READS;
  /**
   * SHUTDOWN, SIGTERM and {@code bin/corvid cluster leave} first hand this node's slots over and
   * wait at most this long for the cluster to let it go; then it stops anyway.
   */
  public static final long DEFAULT_CLUSTER_LEAVE_TIMEOUT_MILLIS = 30_000;

  // ---------------------------------------------------------------- values

  private volatile int port = DEFAULT_PORT;
  private volatile String bind = DEFAULT_BIND;
  private volatile long maxmemory = DEFAULT_MAXMEMORY_BYTES;
  private volatile EvictionPolicy maxmemoryPolicy = DEFAULT_MAXMEMORY_POLICY;
  private volatile String requirepass = DEFAULT_REQUIREPASS;
  private volatile int databases = DEFAULT_DATABASES;
  private volatile long maxclients = DEFAULT_MAXCLIENTS;
  private volatile long protoMaxBulkLen = DEFAULT_PROTO_MAX_BULK_LEN_BYTES;
  private volatile long clientQueryBufferLimit = DEFAULT_CLIENT_QUERY_BUFFER_LIMIT_BYTES;
  private volatile long maxMultibulkLength = DEFAULT_MAX_MULTIBULK_LENGTH;
  private volatile long maxInlineLength = DEFAULT_MAX_INLINE_LENGTH_BYTES;
  private volatile OutputBufferLimits clientOutputBufferLimit = DEFAULT_CLIENT_OUTPUT_BUFFER_LIMIT;
  private volatile long timeout = DEFAULT_TIMEOUT_SECONDS;
  private volatile int ioThreads = DEFAULT_IO_THREADS;
  private volatile long slowlogLogSlowerThan = DEFAULT_SLOWLOG_LOG_SLOWER_THAN_MICROS;
  private volatile long slowlogMaxLen = DEFAULT_SLOWLOG_MAX_LEN;
  private volatile int lfuLogFactor = DEFAULT_LFU_LOG_FACTOR;
  private volatile int lfuDecayTime = DEFAULT_LFU_DECAY_TIME_MINUTES;
  private volatile int hz = DEFAULT_HZ;
  private volatile long trackingTableMaxKeys = DEFAULT_TRACKING_TABLE_MAX_KEYS;
  private volatile RespLimits respLimits = RespLimits.defaults();
  private volatile String dir = DEFAULT_DIR;
  private final List<io.corvid.server.backing.BackingStoreSpec> backingStores = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile String backingStoreFsync = DEFAULT_BACKING_STORE_FSYNC;
  private volatile long backingStoreMaxAttempts = DEFAULT_BACKING_STORE_MAX_ATTEMPTS;
  private volatile long backingStoreBatchSize = DEFAULT_BACKING_STORE_BATCH_SIZE;
  private volatile boolean clusterEnabled = DEFAULT_CLUSTER_ENABLED;
  private volatile List<ClusterSeed> clusterSeeds = List.of();
  private volatile int clusterPort = DEFAULT_CLUSTER_PORT;
  private volatile int clusterReplicas = DEFAULT_CLUSTER_REPLICAS;
  private volatile long clusterNodeTimeout = DEFAULT_CLUSTER_NODE_TIMEOUT_MILLIS;
  private volatile long clusterSuspectTimeout = DEFAULT_CLUSTER_SUSPECT_TIMEOUT_MILLIS;
  private volatile String clusterAnnounceIp = DEFAULT_CLUSTER_ANNOUNCE_IP;
  private volatile long replBacklogSize = DEFAULT_REPL_BACKLOG_SIZE_BYTES;
  private volatile long clusterMinorityTimeout = DEFAULT_CLUSTER_MINORITY_TIMEOUT_MILLIS;
  private volatile boolean clusterMinorityReads = DEFAULT_CLUSTER_MINORITY_READS;
  private volatile long clusterLeaveTimeout = DEFAULT_CLUSTER_LEAVE_TIMEOUT_MILLIS;

  private final Map<String, Option> options = new LinkedHashMap<>();
  private final List<Consumer<String>> listeners = new ArrayList<>();

  public ServerConfig() {
    add(new IntOption("port", "TCP port to listen on; 0 picks a free port", false, 0, 65535,
        () -> port, v -> port = (int) v));
    options.put("bind", new Option("bind", "addresses to listen on, space separated", false) {
      @Override public String get() { return bind; }
      @Override Object parse(String value) throws ConfigException {
        String v = value.trim();
        if (v.isEmpty()) {
          throw new ConfigException("Too many bind addresses specified.");
        }
        return v.replaceAll("\\s+", " ");
      }
      @Override void apply(Object v) { bind = (String) v; }
    });
    add(new MemoryOption("maxmemory", "memory bound for keys and values; 0 = no limit", true, 0,
        () -> maxmemory, v -> maxmemory = v));
    options.put("maxmemory-policy", new Option("maxmemory-policy", "what to evict when maxmemory is reached", true) {
      @Override public String get() { return maxmemoryPolicy.configName(); }
      @Override Object parse(String value) throws ConfigException {
        EvictionPolicy p = EvictionPolicy.fromConfigName(value.trim());
        if (p == null) {
          StringBuilder names = new StringBuilder();
          for (EvictionPolicy e : EvictionPolicy.values()) {
            names.append(names.isEmpty() ? "" : ", ").append(e.configName());
          }
          throw new ConfigException("argument(s) must be one of the following: " + names);
        }
        return p;
      }
      @Override void apply(Object v) { maxmemoryPolicy = (EvictionPolicy) v; }
    });
    options.put("requirepass", new Option("requirepass", "password of the default user; empty = no password", true) {
      @Override public String get() { return requirepass; }
      @Override Object parse(String value) { return value; }
      @Override void apply(Object v) { requirepass = (String) v; }
    });
    add(new IntOption("databases", "number of databases (SELECT 0..n-1)", false, 1, MAX_DATABASES,
        () -> databases, v -> databases = (int) v));
    add(new IntOption("maxclients", "most simultaneous client connections", true, 1, 4294967295L,
        () -> maxclients, v -> maxclients = v));
    add(new MemoryOption("proto-max-bulk-len", "largest bulk string a client may send or a command may build", true,
        MIN_BUFFER_LIMIT_BYTES, () -> protoMaxBulkLen, v -> protoMaxBulkLen = v));
    add(new MemoryOption("client-query-buffer-limit", "most unparsed input bytes buffered for one client", true,
        MIN_BUFFER_LIMIT_BYTES, () -> clientQueryBufferLimit, v -> clientQueryBufferLimit = v));
    add(new IntOption("max-multibulk-length", "most arguments in one request (Corvid extension)", true, 1, Integer.MAX_VALUE,
        () -> maxMultibulkLength, v -> maxMultibulkLength = v));
    add(new IntOption("max-inline-length", "longest inline (telnet-style) request line in bytes (Corvid extension)", true,
        1024, Integer.MAX_VALUE, () -> maxInlineLength, v -> maxInlineLength = v));
    options.put("client-output-buffer-limit", new Option("client-output-buffer-limit",
        "per class: hard limit, soft limit, soft seconds", true) {
      @Override public String get() { return clientOutputBufferLimit.format(); }
      @Override Object parse(String value) throws ConfigException { return clientOutputBufferLimit.with(value); }
      @Override void apply(Object v) { clientOutputBufferLimit = (OutputBufferLimits) v; }
    });
    add(new IntOption("timeout", "close a client idle this many seconds; 0 = never", true, 0, Integer.MAX_VALUE,
        () -> timeout, v -> timeout = v));
    add(new IntOption("io-threads", "event loop threads serving connections", false, 1, MAX_IO_THREADS,
        () -> ioThreads, v -> ioThreads = (int) v));
    add(new IntOption("slowlog-log-slower-than", "log commands slower than this many microseconds; -1 = off", true,
        -1, Long.MAX_VALUE, () -> slowlogLogSlowerThan, v -> slowlogLogSlowerThan = v));
    add(new IntOption("slowlog-max-len", "entries kept in the slow log", true, 0, Long.MAX_VALUE,
        () -> slowlogMaxLen, v -> slowlogMaxLen = v));
    add(new IntOption("lfu-log-factor", "LFU counter growth: higher = slower", true, 0, Integer.MAX_VALUE,
        () -> lfuLogFactor, v -> lfuLogFactor = (int) v));
    add(new IntOption("lfu-decay-time", "minutes after which an LFU counter halves/decrements", true, 0, Integer.MAX_VALUE,
        () -> lfuDecayTime, v -> lfuDecayTime = (int) v));
    add(new IntOption("hz", "background task frequency (active expiry, client timeouts), clamped to 1..500", true,
        0, Integer.MAX_VALUE, () -> hz, v -> hz = (int) Math.max(MIN_HZ, Math.min(MAX_HZ, v))));
    add(new IntOption("tracking-table-max-keys", "keys the CLIENT TRACKING invalidation table may hold; 0 = no limit",
        true, 0, Long.MAX_VALUE, () -> trackingTableMaxKeys, v -> trackingTableMaxKeys = v));
    // Redis persistence settings, reported so tools that read them (redis-benchmark, monitoring)
    // see "no persistence"; Corvid keeps data in memory only.
    add(new FixedOption("save", "RDB snapshots: always off (Corvid does not persist)", ""));
    add(new FixedOption("appendonly", "append-only file: always off (Corvid does not persist)", "no"));
    addBackingStoreOptions();
    addClusterOptions();
    onChange(name -> {
      if (name.equals("proto-max-bulk-len") || name.equals("max-multibulk-length") || name.equals("max-inline-length")
          || name.equals("client-query-buffer-limit")) {
        respLimits = new RespLimits(protoMaxBulkLen, (int) maxMultibulkLength, (int) maxInlineLength,
            Math.min(clientQueryBufferLimit, RespLimits.MAX_REQUEST_BYTES_CEILING));
      }
    });
  }

  /** dir and the backing-store options (io.corvid.server.backing). */
  private void addBackingStoreOptions() {
    options.put("dir", new Option("dir", "directory of the node's files (the write-behind log)", false) {
      @Override public String get() { return dir; }
      @Override Object parse(String value) throws ConfigException {
        if (value.isBlank()) {
          throw new ConfigException("dir must not be empty");
        }
        return value;
      }
      @Override void apply(Object v) { dir = (String) v; }
    });
    options.put("backing-store", new Option("backing-store",
        "a key prefix mapped to a database table; repeat the directive for several prefixes", false) {
      @Override public String get() {
        return String.join("; ", backingStores.stream().map(io.corvid.server.backing.BackingStoreSpec::describe).toList());
      }
      @Override Object parse(String value) throws ConfigException {
        if (value.isBlank()) {
          return null;
        }
        io.corvid.server.backing.BackingStoreSpec spec = io.corvid.server.backing.BackingStoreSpec.parse(value);
        for (io.corvid.server.backing.BackingStoreSpec other : backingStores) {
          if (other.prefix().startsWith(spec.prefix()) || spec.prefix().startsWith(other.prefix())) {
            throw new ConfigException("key prefix '" + spec.prefix() + "' overlaps '" + other.prefix() + "'");
          }
        }
        return spec;
      }
      @Override void apply(Object v) {
        if (v != null) {
          backingStores.add((io.corvid.server.backing.BackingStoreSpec) v);
        }
      }
    });
    options.put("backing-store-fsync", new Option("backing-store-fsync",
        "fsync of the write-behind log: always (OK after fsync), everysec, no", true) {
      @Override public String get() { return backingStoreFsync; }
      @Override Object parse(String value) throws ConfigException {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!List.of("always", "everysec", "no").contains(v)) {
          throw new ConfigException("argument(s) must be one of the following: always, everysec, no");
        }
        return v;
      }
      @Override void apply(Object v) { backingStoreFsync = (String) v; }
    });
    add(new IntOption("backing-store-max-attempts", "flush attempts before a write-behind write goes to the dead letters",
        true, 1, Integer.MAX_VALUE, () -> backingStoreMaxAttempts, v -> backingStoreMaxAttempts = v));
    add(new IntOption("backing-store-batch-size", "most coalesced write-behind writes per flush transaction", true,
        1, MAX_BACKING_STORE_BATCH_SIZE, () -> backingStoreBatchSize, v -> backingStoreBatchSize = v));
  }

  public String dir() { return dir; }
  public List<io.corvid.server.backing.BackingStoreSpec> backingStores() { return List.copyOf(backingStores); }
  public String backingStoreFsync() { return backingStoreFsync; }
  public long backingStoreMaxAttempts() { return backingStoreMaxAttempts; }
  public long backingStoreBatchSize() { return backingStoreBatchSize; }

  private void add(Option o) {
    options.put(o.name, o);
  }

  private static Boolean yesNo(String value) throws ConfigException {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "yes" -> Boolean.TRUE;
      case "no" -> Boolean.FALSE;
      default -> throw new ConfigException("argument must be 'yes' or 'no'");
    };
  }

  private void addClusterOptions() {
    options.put("cluster-enabled", new Option("cluster-enabled",
        "yes = cluster mode (also on when cluster-seeds is set); a node with no seeds is a cluster of one", false) {
      @Override public String get() { return clusterEnabled ? "yes" : "no"; }
      @Override Object parse(String value) throws ConfigException { return yesNo(value); }
      @Override void apply(Object v) { clusterEnabled = (Boolean) v; }
    });
    add(new IntOption("cluster-minority-timeout",
        "milliseconds a node cut off in a minority keeps taking writes before it answers -CLUSTERDOWN", false,
        0, 3_600_000, () -> clusterMinorityTimeout, v -> clusterMinorityTimeout = v));
    options.put("cluster-minority-reads", new Option("cluster-minority-reads",
        "yes = a node cut off in a minority still serves (possibly stale) reads; no = -CLUSTERDOWN", false) {
      @Override public String get() { return clusterMinorityReads ? "yes" : "no"; }
      @Override Object parse(String value) throws ConfigException { return yesNo(value); }
      @Override void apply(Object v) { clusterMinorityReads = (Boolean) v; }
    });
    add(new IntOption("cluster-leave-timeout",
        "milliseconds SHUTDOWN/SIGTERM wait for this node's slots to be handed over before stopping anyway", false,
        0, 3_600_000, () -> clusterLeaveTimeout, v -> clusterLeaveTimeout = v));
    options.put("cluster-seeds", new Option("cluster-seeds",
        "other nodes' client addresses, host:port[@busport],...; the bus port is port + 10000 unless given", false) {
      @Override public String get() { return ClusterSeed.format(clusterSeeds); }
      @Override Object parse(String value) throws ConfigException { return ClusterSeed.parseList(value); }
      @SuppressWarnings("unchecked")
      @Override void apply(Object v) { clusterSeeds = (List<ClusterSeed>) v; }
    });
    add(new IntOption("cluster-port", "cluster bus port; 0 = port + 10000", false, 0, 65535,
        () -> clusterPort, v -> clusterPort = (int) v));
    add(new IntOption("cluster-replicas", "replicas of each slot on other nodes", false, 0, MAX_CLUSTER_REPLICAS,
        () -> clusterReplicas, v -> clusterReplicas = (int) v));
    add(new IntOption("cluster-node-timeout", "milliseconds without heartbeats before a node is suspected (hung node)", false,
        MIN_CLUSTER_NODE_TIMEOUT_MILLIS, 3_600_000, () -> clusterNodeTimeout, v -> clusterNodeTimeout = v));
    add(new IntOption("cluster-suspect-timeout", "milliseconds a suspected node has to answer before it is removed", false,
        50, 3_600_000, () -> clusterSuspectTimeout, v -> clusterSuspectTimeout = v));
    options.put("cluster-announce-ip", new Option("cluster-announce-ip",
        "address given to other nodes and to clients (MOVED, CLUSTER SLOTS); empty = the first bind address", false) {
      @Override public String get() { return clusterAnnounceIp; }
      @Override Object parse(String value) { return value.trim(); }
      @Override void apply(Object v) { clusterAnnounceIp = (String) v; }
    });
    add(new MemoryOption("repl-backlog-size", "recent writes kept for lagging or reconnecting replicas, all slots together",
        true, MIN_REPL_BACKLOG_SIZE_BYTES, () -> replBacklogSize, v -> replBacklogSize = v));
  }

  // ---------------------------------------------------------------- accessors

  public int port() { return port; }
  public String bind() { return bind; }
  public long maxmemory() { return maxmemory; }
  public EvictionPolicy maxmemoryPolicy() { return maxmemoryPolicy; }
  public String requirepass() { return requirepass; }
  public int databases() { return databases; }
  public long maxclients() { return maxclients; }
  public long protoMaxBulkLen() { return protoMaxBulkLen; }
  public long clientQueryBufferLimit() { return clientQueryBufferLimit; }
  public OutputBufferLimits clientOutputBufferLimit() { return clientOutputBufferLimit; }
  public long timeoutSeconds() { return timeout; }
  public int ioThreads() { return ioThreads; }
  public long slowlogLogSlowerThanMicros() { return slowlogLogSlowerThan; }
  public long slowlogMaxLen() { return slowlogMaxLen; }
  public int lfuLogFactor() { return lfuLogFactor; }
  public int lfuDecayTimeMinutes() { return lfuDecayTime; }
  public int hz() { return hz; }
  public long trackingTableMaxKeys() { return trackingTableMaxKeys; }
  /** The parser limits derived from proto-max-bulk-len, max-multibulk-length, max-inline-length, client-query-buffer-limit. */
  public RespLimits respLimits() { return respLimits; }
  /** Cluster mode: cluster-enabled yes, or any cluster-seeds. */
  public boolean clusterEnabled() { return clusterEnabled || !clusterSeeds.isEmpty(); }
  public List<ClusterSeed> clusterSeeds() { return clusterSeeds; }
  /** The cluster bus port for a client port (cluster-port, else port + 10000). */
  public int clusterBusPort(int clientPort) { return clusterPort != 0 ? clusterPort : clientPort + CLUSTER_PORT_OFFSET; }
  public int clusterReplicas() { return clusterReplicas; }
  public long clusterNodeTimeoutMillis() { return clusterNodeTimeout; }
  public long clusterSuspectTimeoutMillis() { return clusterSuspectTimeout; }
  public String clusterAnnounceIp() { return clusterAnnounceIp; }
  public long replBacklogSize() { return replBacklogSize; }
  public long clusterMinorityTimeoutMillis() { return clusterMinorityTimeout; }
  public boolean clusterMinorityReads() { return clusterMinorityReads; }
  public long clusterLeaveTimeoutMillis() { return clusterLeaveTimeout; }

  public StorageConfig storageConfig() {
    StorageConfig d = StorageConfig.defaults();
    return new StorageConfig(databases, maxmemory, maxmemoryPolicy, lfuLogFactor, lfuDecayTime,
        d.hashMaxListpackEntries(), d.hashMaxListpackValue());
  }

  /** Called with an option's name after a change is applied (CONFIG SET). */
  public void onChange(Consumer<String> listener) {
    listeners.add(listener);
  }

  public List<Option> options() {
    return List.copyOf(options.values());
  }

  public Option option(String name) {
    return options.get(name.toLowerCase(Locale.ROOT));
  }

  // ---------------------------------------------------------------- setting

  /** Sets one option at startup (command line, config file); immutable options are allowed here. */
  public void setAtStartup(String name, String value) throws ConfigException {
    Option o = option(name);
    if (o == null) {
      throw new ConfigException("Bad directive or wrong number of arguments: " + name);
    }
    try {
      o.apply(o.parse(value));
    } catch (ConfigException e) {
      throw new ConfigException("Invalid argument '" + value + "' for '" + o.name + "': " + e.getMessage());
    }
    listeners.forEach(l -> l.accept(o.name));
  }

  /**
   * CONFIG SET name value [name value ...]: validates every pair before applying any, as Redis
   * does, so a rejected pair changes nothing. Throws with the full Redis error line.
   */
  public void configSet(List<String> namesAndValues) throws ConfigException {
    Map<Option, Object> parsed = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i + 1 < namesAndValues.size(); i += 2) {
      String name = namesAndValues.get(i);
      Option o = option(name);
      if (o == null) {
        throw new ConfigException("ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'");
      }
      if (!seen.add(o.name)) {
        throw failed(name, "duplicate parameter");
      }
      if (!o.mutable) {
        throw failed(name, "can't set immutable config");
      }
      try {
        parsed.put(o, o.parse(namesAndValues.get(i + 1)));
      } catch (ConfigException e) {
        throw failed(name, e.getMessage());
      }
    }
    parsed.forEach(Option::apply);
    for (Option o : parsed.keySet()) {
      listeners.forEach(l -> l.accept(o.name));
    }
  }

  private static ConfigException failed(String name, String reason) {
    return new ConfigException("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason);
  }

  /** CONFIG GET pattern: name/value pairs of the options whose name matches the glob. */
  public Map<String, String> configGet(String pattern) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Option o : options.values()) {
      if (GlobMatcher.matches(pattern, o.name, true)) {
        out.put(o.name, o.get());
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- option kinds

  /** One setting: how to read it, validate a new value, and apply it. */
  public abstract static class Option {
    final String name;
    final String description;
    final boolean mutable;

    Option(String name, String description, boolean mutable) {
      this.name = name;
      this.description = description;
      this.mutable = mutable;
    }

    public String name() { return name; }
    public String description() { return description; }
    public boolean mutable() { return mutable; }

    /** The value as CONFIG GET prints it. */
    public abstract String get();

    abstract Object parse(String value) throws ConfigException;

    abstract void apply(Object value);
  }

  static final class IntOption extends Option {
    private final long min;
    private final long max;
    private final LongSupplier getter;
    private final LongConsumer setter;

    IntOption(String name, String description, boolean mutable, long min, long max, LongSupplier getter, LongConsumer setter) {
      super(name, description, mutable);
      this.min = min;
      this.max = max;
      this.getter = getter;
      this.setter = setter;
    }

    @Override public String get() { return Long.toString(getter.getAsLong()); }

    @Override Object parse(String value) throws ConfigException {
      long v;
      try {
        v = Long.parseLong(value.trim());
      } catch (NumberFormatException e) {
        throw new ConfigException("argument couldn't be parsed into an integer");
      }
      if (v < min || v > max) {
        throw new ConfigException("argument must be between " + min + " and " + max + " inclusive");
      }
      return v;
    }

    @Override void apply(Object value) { setter.accept((Long) value); }
  }

  /** A setting Corvid reports for compatibility but does not support changing. */
  static final class FixedOption extends Option {
    private final String value;

    FixedOption(String name, String description, String value) {
      super(name, description, false);
      this.value = value;
    }

    @Override public String get() { return value; }

    @Override Object parse(String v) throws ConfigException {
      if (!v.trim().equals(value)) {
        throw new ConfigException("Corvid keeps data in memory only; '" + name + "' can only be '" + value + "'");
      }
      return value;
    }

    @Override void apply(Object v) { }
  }

  static final class MemoryOption extends Option {
    private final long min;
    private final LongSupplier getter;
    private final LongConsumer setter;

    MemoryOption(String name, String description, boolean mutable, long min, LongSupplier getter, LongConsumer setter) {
      super(name, description, mutable);
      this.min = min;
      this.getter = getter;
      this.setter = setter;
    }

    @Override public String get() { return Long.toString(getter.getAsLong()); }

    @Override Object parse(String value) throws ConfigException {
      long v = MemoryUnits.parse(value);
      if (v < min) {
        throw new ConfigException("argument must be between " + min + " and " + Long.MAX_VALUE + " inclusive");
      }
      return v;
    }

    @Override void apply(Object value) { setter.accept((Long) value); }
  }

}
