package io.corvid.server;

import io.corvid.server.config.ConfigException;
import io.corvid.server.config.ConfigFile;
import io.corvid.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Entry point: {@code corvid server [options]}. Options are named after redis.conf; a config
 * file in redis.conf syntax can be given with {@code --config}, and options on the command line
 * override it. Every value goes through {@link ServerConfig}'s validation, the same as CONFIG SET.
 */
@Command(name = "corvid", mixinStandardHelpOptions = true, version = "Corvid " + Node.VERSION,
    description = "Corvid: an in-memory cache that speaks the Redis protocol.",
    subcommands = {Main.Server.class, Main.BackingStore.class, io.corvid.server.cluster.ClusterTool.class})
public final class Main implements Callable<Integer> {

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  @Command(name = "server", mixinStandardHelpOptions = true, version = "Corvid " + Node.VERSION,
      description = "Starts a node. Defaults are Redis 7's; see corvid.conf for every option.")
  static final class Server implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "redis.conf-style file; command-line options override it")
    Path configFile;
    @Option(names = "--port", description = "TCP port (default ${DEFAULT-VALUE}); 0 picks a free one") String port;
    @Option(names = "--bind", description = "addresses to listen on, space separated (default 127.0.0.1)") String bind;
    @Option(names = "--maxmemory", description = "memory bound, e.g. 100mb (1k=1000, 1kb=1024); 0 = none") String maxmemory;
    @Option(names = "--maxmemory-policy", description = "noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-wtinylfu") String maxmemoryPolicy;
    @Option(names = "--requirepass", description = "password for AUTH") String requirepass;
    @Option(names = "--databases", description = "number of databases (default 16)") String databases;
    @Option(names = "--maxclients", description = "most client connections (default 10000)") String maxclients;
    @Option(names = "--proto-max-bulk-len", description = "largest bulk string (default 512mb)") String protoMaxBulkLen;
    @Option(names = "--client-query-buffer-limit", description = "most buffered unparsed input per client (default 1gb)") String clientQueryBufferLimit;
    @Option(names = "--max-multibulk-length", description = "most arguments in one request (default 1048576)") String maxMultibulkLength;
    @Option(names = "--max-inline-length", description = "longest inline request (default 65536)") String maxInlineLength;
    @Option(names = "--client-output-buffer-limit", description = "e.g. 'pubsub 32mb 8mb 60' (class hard soft seconds ...)") String clientOutputBufferLimit;
    @Option(names = "--timeout", description = "close clients idle this many seconds; 0 = never") String timeout;
    @Option(names = "--io-threads", description = "event loop threads (default 1)") String ioThreads;
    @Option(names = "--slowlog-log-slower-than", description = "microseconds; -1 disables (default 10000)") String slowlogLogSlowerThan;
    @Option(names = "--slowlog-max-len", description = "slow log entries kept (default 128)") String slowlogMaxLen;
    @Option(names = "--lfu-log-factor", description = "LFU counter log factor (default 10)") String lfuLogFactor;
    @Option(names = "--lfu-decay-time", description = "LFU decay period in minutes (default 1)") String lfuDecayTime;
    @Option(names = "--hz", description = "background task frequency, 1..500 (default 10)") String hz;
    @Option(names = "--dir", description = "directory of the node's files: the write-behind log (default .)") String dir;
    @Option(names = "--backing-store", paramLabel = "'PREFIX name=value ...'",
        description = "map a key prefix to a table (repeatable; see corvid.conf)") java.util.List<String> backingStores;
    @Option(names = "--backing-store-fsync", description = "write-behind log fsync: always, everysec (default), no") String backingStoreFsync;
    @Option(names = "--backing-store-max-attempts", description = "flush attempts before a dead letter (default 10)") String backingStoreMaxAttempts;
    @Option(names = "--backing-store-batch-size", description = "write-behind writes per flush transaction (default 256)") String backingStoreBatchSize;
    @Option(names = "--cluster-enabled", description = "yes = cluster mode (on too when --cluster-seeds is given)") String clusterEnabled;
    @Option(names = "--cluster-seeds", description = "other nodes' client addresses, host:port[@busport],...") String clusterSeeds;
    @Option(names = "--cluster-port", description = "cluster bus port (default port + 10000)") String clusterPort;
    @Option(names = "--cluster-replicas", description = "replicas per slot (default 1)") String clusterReplicas;
    @Option(names = "--cluster-node-timeout", description = "ms without heartbeats before a node is suspected (default 3000)") String clusterNodeTimeout;
    @Option(names = "--cluster-suspect-timeout", description = "ms a suspected node has to answer (default 500)") String clusterSuspectTimeout;
    @Option(names = "--cluster-announce-ip", description = "address given to other nodes and clients (default: first bind address)") String clusterAnnounceIp;
    @Option(names = "--repl-backlog-size", description = "replication backlog, all slots together (default 16mb)") String replBacklogSize;
    @Option(names = "--cluster-minority-timeout", description = "ms a node cut off in a minority keeps taking writes (default 500)") String clusterMinorityTimeout;
    @Option(names = "--cluster-minority-reads", description = "yes = a node in a minority still serves possibly stale reads (default no)") String clusterMinorityReads;
    @Option(names = "--cluster-leave-timeout", description = "ms SHUTDOWN/SIGTERM wait for the slots to be handed over (default 30000)") String clusterLeaveTimeout;

    @Override
    public Integer call() throws Exception {
      ServerConfig config = new ServerConfig();
      try {
        load(config);
      } catch (ConfigException e) {
        System.err.println("*** FATAL CONFIG ERROR: " + e.getMessage());
        return 2;
      }
      Logger log = LoggerFactory.getLogger("corvid");
      log.info("Corvid {} starting, pid {}", Node.VERSION, ProcessHandle.current().pid());
      CorvidServer server = new CorvidServer(config);
      installSignalHandlers(server, log);
      try {
        server.start();
      } catch (Exception e) {
        log.error("Failed to start: {}", e.toString());
        server.stop();
        return 1;
      }
      server.awaitStopped();
      return 0;
    }

    /** The config file, then the command line over it. */
    void load(ServerConfig config) throws Exception {
      {
        if (configFile != null) {
          for (ConfigFile.Directive d : ConfigFile.read(configFile)) {
            try {
              config.setAtStartup(d.name(), d.value());
            } catch (ConfigException e) {
              throw new ConfigException(configFile + " line " + d.line() + ": " + e.getMessage());
            }
          }
        }
        for (Map.Entry<String, String> e : commandLine().entrySet()) {
          if (e.getValue() != null) {
            config.setAtStartup(e.getKey(), e.getValue());
          }
        }
        if (backingStores != null) {
          for (String b : backingStores) {
            config.setAtStartup("backing-store", b);
          }
        }
      }
    }

    private Map<String, String> commandLine() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("port", port);
      m.put("bind", bind);
      m.put("maxmemory", maxmemory);
      m.put("maxmemory-policy", maxmemoryPolicy);
      m.put("requirepass", requirepass);
      m.put("databases", databases);
      m.put("maxclients", maxclients);
      m.put("proto-max-bulk-len", protoMaxBulkLen);
      m.put("client-query-buffer-limit", clientQueryBufferLimit);
      m.put("max-multibulk-length", maxMultibulkLength);
      m.put("max-inline-length", maxInlineLength);
      m.put("client-output-buffer-limit", clientOutputBufferLimit);
      m.put("timeout", timeout);
      m.put("io-threads", ioThreads);
      m.put("slowlog-log-slower-than", slowlogLogSlowerThan);
      m.put("slowlog-max-len", slowlogMaxLen);
      m.put("lfu-log-factor", lfuLogFactor);
      m.put("lfu-decay-time", lfuDecayTime);
      m.put("hz", hz);
      m.put("dir", dir);
      m.put("backing-store-fsync", backingStoreFsync);
      m.put("backing-store-max-attempts", backingStoreMaxAttempts);
      m.put("backing-store-batch-size", backingStoreBatchSize);
      m.put("cluster-enabled", clusterEnabled);
      m.put("cluster-seeds", clusterSeeds);
      m.put("cluster-port", clusterPort);
      m.put("cluster-replicas", clusterReplicas);
      m.put("cluster-node-timeout", clusterNodeTimeout);
      m.put("cluster-suspect-timeout", clusterSuspectTimeout);
      m.put("cluster-announce-ip", clusterAnnounceIp);
      m.put("repl-backlog-size", replBacklogSize);
      m.put("cluster-minority-timeout", clusterMinorityTimeout);
      m.put("cluster-minority-reads", clusterMinorityReads);
      m.put("cluster-leave-timeout", clusterLeaveTimeout);
      return m;
    }

    /**
     * SIGTERM and SIGINT stop the node gracefully and exit 0, as Redis does. (A plain shutdown
     * hook would leave the JVM's exit status at 143.) The hook remains for other exits.
     */
    private static void installSignalHandlers(CorvidServer server, Logger log) {
      for (String sig : new String[] {"TERM", "INT"}) {
        try {
          sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> {
            Thread t = new Thread(() -> {
              log.info("Received SIG{} scheduling shutdown...", s.getName());
              server.stop();
              System.exit(0);
            }, "corvid-signal");
            t.start();
          });
        } catch (IllegalArgumentException e) {
          log.warn("cannot handle SIG{}: {}", sig, e.getMessage());
        }
      }
      Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "corvid-shutdown-hook"));
    }
  }

  @Command(name = "backing-store", mixinStandardHelpOptions = true, version = "Corvid " + Node.VERSION,
      description = "Backing-store tools.", subcommands = {InstallTriggers.class})
  static final class BackingStore implements Callable<Integer> {
    @Override
    public Integer call() {
      new CommandLine(this).usage(System.out);
      return 0;
    }
  }

  @Command(name = "install-triggers", mixinStandardHelpOptions = true, version = "Corvid " + Node.VERSION,
      description = "Installs, on each PostgreSQL table of the configured backing stores, the trigger whose NOTIFY "
          + "invalidates cached keys (invalidate=notify). Safe to run again.")
  static final class InstallTriggers implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Server options = new Server();

    @Override
    public Integer call() {
      ServerConfig config = new ServerConfig();
      try {
        options.load(config);
      } catch (Exception e) {
        System.err.println("*** FATAL CONFIG ERROR: " + e.getMessage());
        return 2;
      }
      if (config.backingStores().isEmpty()) {
        System.err.println("No backing-store is configured (give --config FILE or --backing-store '...').");
        return 2;
      }
      try {
        for (String line : io.corvid.server.backing.TriggerInstaller.install(config.backingStores())) {
          System.out.println(line);
        }
        return 0;
      } catch (java.sql.SQLException e) {
        System.err.println("install-triggers failed: " + e.getMessage());
        return 1;
      }
    }
  }
}
