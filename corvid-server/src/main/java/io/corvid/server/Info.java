package io.corvid.server;

import io.corvid.server.command.CommandSpec;
import io.corvid.server.config.MemoryUnits;
import io.corvid.storage.Keyspace;
import io.corvid.storage.KeyspaceStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The INFO text, section by section, with Redis 7's field names so monitoring tools that read
 * Redis read Corvid. Built with the node lock held.
 */
public final class Info {
  /** Sections of plain INFO and INFO default. */
  public static final List<String> DEFAULT_SECTIONS =
      List.of("server", "clients", "memory", "persistence", "stats", "replication", "cpu", "cluster", "keyspace");
  /** INFO all adds these; INFO everything too. */
  public static final List<String> ALL_SECTIONS =
      List.of("server", "clients", "memory", "persistence", "stats", "replication", "cpu", "commandstats", "cluster",
          "keyspace", "backingstore");
  private static final long PAGE_SIZE_BYTES = 4096;

  private Info() {}

  /** The sections to print for the requested names (Redis's genInfoSectionDict rules). */
  public static Set<String> sections(List<String> requested) {
    Set<String> out = new LinkedHashSet<>();
    if (requested.isEmpty()) {
      out.addAll(DEFAULT_SECTIONS);
      return out;
    }
    for (String r : requested) {
      switch (r.toLowerCase(Locale.ROOT)) {
        case "default" -> out.addAll(DEFAULT_SECTIONS);
        case "all", "everything" -> out.addAll(ALL_SECTIONS);
        default -> out.add(r.toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }

  public static String build(Node node, ClientConnection self, Set<String> sections) {
    StringBuilder sb = new StringBuilder();
    for (String s : ALL_SECTIONS) {
      if (!sections.contains(s)) {
        continue;
      }
      if (!sb.isEmpty()) {
        sb.append("\r\n");
      }
      switch (s) {
        case "server" -> server(node, sb);
        case "clients" -> clients(node, sb);
        case "memory" -> memory(node, sb);
        case "persistence" -> sb.append("# Persistence\r\nloading:0\r\nasync_loading:0\r\nrdb_changes_since_last_save:0\r\n"
            + "rdb_bgsave_in_progress:0\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\n");
        case "stats" -> stats(node, sb);
        case "replication" -> {
          if (node.replication() != null) {
            node.replication().info(sb);
          } else {
            sb.append("# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_replid:")
                .append(node.runId()).append("\r\nmaster_repl_offset:0\r\n");
          }
        }
        case "cpu" -> cpu(sb);
        case "commandstats" -> commandStats(node, sb);
        case "cluster" -> sb.append("# Cluster\r\ncluster_enabled:").append(node.cluster() == null ? 0 : 1).append("\r\n");
        case "keyspace" -> keyspace(node, sb);
        case "backingstore" -> backingStore(node, sb);
        default -> { }
      }
    }
    return sb.toString();
  }

  private static void field(StringBuilder sb, String name, Object value) {
    sb.append(name).append(':').append(value).append("\r\n");
  }

  private static void server(Node node, StringBuilder sb) {
    sb.append("# Server\r\n");
    field(sb, "redis_version", Node.REDIS_COMPATIBLE_VERSION);
    field(sb, "corvid_version", Node.VERSION);
    field(sb, "redis_mode", node.cluster() == null ? "standalone" : "cluster");
    field(sb, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    field(sb, "arch_bits", System.getProperty("os.arch").contains("64") ? 64 : 32);
    field(sb, "java_version", System.getProperty("java.version"));
    field(sb, "process_id", ProcessHandle.current().pid());
    field(sb, "run_id", node.runId());
    field(sb, "tcp_port", node.boundPort());
    field(sb, "server_time_usec", node.clock().currentTimeMillis() * 1000);
    long up = node.uptimeMillis() / 1000;
    field(sb, "uptime_in_seconds", up);
    field(sb, "uptime_in_days", up / 86400);
    field(sb, "hz", node.config().hz());
    field(sb, "io_threads_active", node.config().ioThreads());
  }

  private static void clients(Node node, StringBuilder sb) {
    sb.append("# Clients\r\n");
    int pubsub = 0;
    int watching = 0;
    for (ClientConnection c : node.clients().values()) {
      if (c.subscriptionCount() > 0) {
        pubsub++;
      }
      if (!c.watchedKeys().isEmpty()) {
        watching++;
      }
    }
    field(sb, "connected_clients", node.clients().size());
    field(sb, "maxclients", node.config().maxclients());
    field(sb, "blocked_clients", 0);
    field(sb, "pubsub_clients", pubsub);
    field(sb, "watching_clients", watching);
    field(sb, "total_watched_keys", node.watches().watchedKeys());
    field(sb, "tracking_clients", node.tracking().trackingClients());
  }

  private static void memory(Node node, StringBuilder sb) {
    Keyspace ks = node.keyspace();
    long used = ks.usedMemory();
    long rss = rssBytes();
    Runtime rt = Runtime.getRuntime();
    sb.append("# Memory\r\n");
    field(sb, "used_memory", used);
    field(sb, "used_memory_human", MemoryUnits.human(used));
    field(sb, "used_memory_rss", rss);
    field(sb, "used_memory_rss_human", MemoryUnits.human(rss));
    field(sb, "used_memory_jvm_heap", rt.totalMemory() - rt.freeMemory());
    field(sb, "used_memory_jvm_heap_max", rt.maxMemory());
    field(sb, "maxmemory", node.config().maxmemory());
    field(sb, "maxmemory_human", MemoryUnits.human(node.config().maxmemory()));
    field(sb, "maxmemory_policy", node.config().maxmemoryPolicy().configName());
    field(sb, "mem_fragmentation_ratio", used == 0 ? "0.00" : String.format(Locale.ROOT, "%.2f", (double) rss / used));
    field(sb, "mem_allocator", "corvid-offheap");
  }

  /** Resident set size from /proc/self/statm (second field, in pages); 0 where there is no procfs. */
  public static long rssBytes() {
    try {
      String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
      return Long.parseLong(f[1]) * PAGE_SIZE_BYTES;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static void stats(Node node, StringBuilder sb) {
    KeyspaceStats ks = node.keyspace().stats();
    sb.append("# Stats\r\n");
    field(sb, "total_connections_received", node.connectionsReceived());
    field(sb, "total_commands_processed", node.commandsProcessed());
    field(sb, "total_net_input_bytes", node.netInputBytes());
    field(sb, "total_net_output_bytes", node.netOutputBytes());
    field(sb, "rejected_connections", node.rejectedConnections());
    field(sb, "expired_keys", ks.expiredKeys());
    field(sb, "evicted_keys", ks.evictedKeys());
    field(sb, "keyspace_hits", ks.keyspaceHits());
    field(sb, "keyspace_misses", ks.keyspaceMisses());
    field(sb, "pubsub_channels", node.pubSub().channelCount());
    field(sb, "pubsub_patterns", node.pubSub().patternCount());
    field(sb, "tracking_total_keys", node.tracking().totalKeys());
    field(sb, "tracking_total_items", node.tracking().totalItems());
    field(sb, "tracking_total_prefixes", node.tracking().totalPrefixes());
    field(sb, "total_error_replies", node.errorReplies());
  }

  private static void cpu(StringBuilder sb) {
    sb.append("# CPU\r\n");
    long cpuNanos = ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    field(sb, "used_cpu_total", String.format(Locale.ROOT, "%.6f", cpuNanos / 1e9));
    field(sb, "jvm_uptime_ms", ManagementFactory.getRuntimeMXBean().getUptime());
  }

  private static void commandStats(Node node, StringBuilder sb) {
    sb.append("# Commandstats\r\n");
    for (CommandSpec s : node.commands().all()) {
      if (s.calls() == 0 && s.rejectedCalls() == 0 && s.failedCalls() == 0) {
        continue;
      }
      sb.append("cmdstat_").append(s.name()).append(":calls=").append(s.calls()).append(",usec=").append(s.micros())
          .append(",usec_per_call=").append(String.format(Locale.ROOT, "%.2f", s.calls() == 0 ? 0.0 : (double) s.micros() / s.calls()))
          .append(",rejected_calls=").append(s.rejectedCalls()).append(",failed_calls=").append(s.failedCalls()).append("\r\n");
    }
  }

  private static void keyspace(Node node, StringBuilder sb) {
    sb.append("# Keyspace\r\n");
    Keyspace ks = node.keyspace();
    for (int db = 0; db < ks.databases(); db++) {
      long keys = ks.size(db);
      if (keys > 0) {
        sb.append("db").append(db).append(":keys=").append(keys).append(",expires=").append(ks.volatileSize(db))
            .append(",avg_ttl=0\r\n");
      }
    }
  }

  /** Backing stores: loads, queries saved, the write-behind queue (io.corvid.server.backing). */
  private static void backingStore(Node node, StringBuilder sb) {
    sb.append("# Backingstore\r\n");
    io.corvid.server.backing.BackingStores b = node.backing();
    field(sb, "backingstore_enabled", b == null ? 0 : 1);
    if (b != null) {
      b.info().forEach((k, v) -> field(sb, k, v));
    }
  }
}
