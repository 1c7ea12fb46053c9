package io.corvid.server.cluster;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code corvid cluster start|status|stop|leave}: a local cluster to try, and a look at any cluster.
 *
 * <ul>
 *   <li>{@code start --nodes N [--port P]}: N nodes on 127.0.0.1, ports P..P+N-1 (bus ports +10000),
 *       each in its own JVM; pids and logs in the run directory ({@code --run-dir}, default
 *       {@code $TMPDIR/corvid-cluster-P}); waits until they agree on one topology.
 *   <li>{@code status [--host host] [-p port]}: nodes, slot ranges, replicas, epoch and migrating
 *       slots, from CLUSTER INFO and CLUSTER SHARDS of that one node.
 *   <li>{@code stop [--port P]}: stops the nodes of a local cluster started with {@code start}
 *       (SIGTERM one at a time: each hands its slots to the others first).
 *   <li>{@code leave [--host host] [-p port]}: the node leaves the cluster gracefully (its slots are
 *       handed over first, at most {@code cluster-leave-timeout}) and exits: SHUTDOWN, which in
 *       cluster mode leaves first; then waits until another node no longer lists it.
 * </ul>
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "A local cluster to try (start, stop), and a look at any cluster (status, leave).",
    subcommands = {ClusterTool.Start.class, ClusterTool.Status.class, ClusterTool.Stop.class, ClusterTool.Leave.class})
public final class ClusterTool implements Callable<Integer> {
  public static final int DEFAULT_PORT = 7000;
  public static final int DEFAULT_NODES = 3;
  public static final int MAX_NODES = 64;
  /** How long {@code start} waits for the nodes to agree on a topology. */
  public static final long START_TIMEOUT_MILLIS = 120_000;
  /** How long {@code stop} and {@code leave} wait for a node to exit (its leave is bounded by cluster-leave-timeout). */
  public static final long EXIT_TIMEOUT_MILLIS = 90_000;
  /** Heap of each node started by {@code start}: the keyspace is off-heap. */
  public static final String NODE_HEAP = "256m";
  private static final int SOCKET_TIMEOUT_MILLIS = 10_000;

  @Override
  public Integer call() {
    new picocli.CommandLine(this).usage(System.out);
    return 0;
  }

  static Path runDir(Path given, int port) {
    return given != null ? given : Path.of(System.getProperty("java.io.tmpdir"), "corvid-cluster-" + port);
  }

  // ------------------------------------------------------------------------------------ start

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Starts N nodes of a cluster on 127.0.0.1 (ports P..P+N-1) and waits until they agree.")
  static final class Start implements Callable<Integer> {
    @Option(names = "--nodes", description = "number of nodes (default ${DEFAULT-VALUE})") int nodes = DEFAULT_NODES;
    @Option(names = {"--port", "-p"}, description = "first client port (default ${DEFAULT-VALUE})") int port = DEFAULT_PORT;
    @Option(names = "--run-dir", description = "pids and logs (default $TMPDIR/corvid-cluster-PORT)") Path runDir;
    @Option(names = "--replicas", description = "replicas per slot (default 1)") Integer replicas;

    @Override
    public Integer call() throws Exception {
      if (nodes < 1 || nodes > MAX_NODES) {
        System.err.println("corvid cluster start: --nodes must be 1.." + MAX_NODES);
        return 2;
      }
      if (port < 1 || port + nodes - 1 + ServerConfigPorts.OFFSET > 65535) {
        System.err.println("corvid cluster start: --port must leave room for " + nodes + " ports and their bus ports (+10000)");
        return 2;
      }
      Path dir = runDir(runDir, port);
      Files.createDirectories(dir);
      for (int i = 0; i < nodes; i++) {
        int p = port + i;
        Optional<ProcessHandle> running = readPid(dir, p).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
        if (running.isPresent()) {
          System.err.println("corvid cluster start: node " + p + " is already running (pid " + running.get().pid()
              + "); stop it first: corvid cluster stop --port " + port);
          return 1;
        }
        for (int busy : new int[] {p, p + ServerConfigPorts.OFFSET}) {
          if (!free(busy)) {
            System.err.println("corvid cluster start: port " + busy + " is in use");
            return 1;
          }
        }
      }
      String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (int i = 0; i < nodes; i++) {
        int p = port + i;
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + NODE_HEAP, "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
            "io.corvid.server.Main", "server", "--port", Integer.toString(p), "--cluster-enabled", "yes",
            "--dir", dir.toString()));
        if (i > 0) {
          cmd.add("--cluster-seeds");
          cmd.add("127.0.0.1:" + port);
        }
        if (replicas != null) {
          cmd.add("--cluster-replicas");
          cmd.add(replicas.toString());
        }
        Path log = dir.resolve("node-" + p + ".log");
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Files.writeString(dir.resolve("node-" + p + ".pid"), Long.toString(proc.pid()));
        System.out.println("started node 127.0.0.1:" + p + " (pid " + proc.pid() + ", log " + log + ")");
        if (i == 0) {
          awaitAnswer(p, START_TIMEOUT_MILLIS); // the others join through the first
        }
      }
      long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
      while (true) {
        if (agree(port, nodes)) {
          break;
        }
        if (System.currentTimeMillis() > deadline) {
          System.err.println("corvid cluster start: the nodes did not agree within " + START_TIMEOUT_MILLIS / 1000
              + " s; see the logs in " + dir);
          return 1;
        }
        Thread.sleep(200);
      }
      System.out.println();
      printStatus("127.0.0.1", port);
      System.out.println();
      System.out.println("Try: redis-cli -c -p " + port + "    Stop: corvid cluster stop --port " + port);
      return 0;
    }
  }

  /** Every node answers and reports N nodes, state ok, no migrating slot and the same epoch. */
  static boolean agree(int port, int nodes) {
    String epoch = null;
    for (int i = 0; i < nodes; i++) {
      Map<String, String> info;
      try {
        info = clusterInfo("127.0.0.1", port + i);
      } catch (IOException e) {
        return false;
      }
      if (!"ok".equals(info.get("cluster_state")) || !Integer.toString(nodes).equals(info.get("cluster_known_nodes"))
          || !"0".equals(info.get("cluster_migrating_slots"))) {
        return false;
      }
      if (epoch != null && !epoch.equals(info.get("cluster_current_epoch"))) {
        return false;
      }
      epoch = info.get("cluster_current_epoch");
    }
    return true;
  }

  static void awaitAnswer(int port, long timeoutMillis) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      try {
        clusterInfo("127.0.0.1", port);
        return;
      } catch (IOException e) {
        if (System.currentTimeMillis() > deadline) {
          throw new IOException("node 127.0.0.1:" + port + " did not answer within " + timeoutMillis / 1000 + " s", e);
        }
        Thread.sleep(100);
      }
    }
  }

  static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static Optional<Long> readPid(Path dir, int port) {
    Path f = dir.resolve("node-" + port + ".pid");
    try {
      return Optional.of(Long.parseLong(Files.readString(f).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  // ----------------------------------------------------------------------------------- status

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Nodes, slot ranges, replicas, epoch and migrating slots, as one node sees them.")
  static final class Status implements Callable<Integer> {
    @Option(names = "--host", description = "a node's address (default ${DEFAULT-VALUE})") String host = "127.0.0.1";
    @Option(names = {"--port", "-p"}, description = "a node's client port (default ${DEFAULT-VALUE})") int port = DEFAULT_PORT;

    @Override
    public Integer call() {
      try {
        printStatus(host, port);
        return 0;
      } catch (IOException e) {
        System.err.println("corvid cluster status: " + host + ":" + port + ": " + e.getMessage());
        return 1;
      }
    }
  }

  static void printStatus(String host, int port) throws IOException {
    Map<String, String> info = clusterInfo(host, port);
    Object shards;
    String myId;
    try (Resp c = new Resp(host, port)) {
      shards = c.call("CLUSTER", "SHARDS");
      myId = (String) c.call("CLUSTER", "MYID");
    }
    System.out.println("cluster as seen by " + host + ":" + port + " (" + myId.substring(0, 8) + "): state "
        + info.get("cluster_state") + ", epoch " + info.get("cluster_current_epoch") + ", "
        + info.get("cluster_known_nodes") + " node(s), " + info.get("cluster_slots_assigned") + " slot(s) assigned, "
        + info.get("cluster_migrating_slots") + " slot(s) migrating");
    // Per node: primary slots and ranges, replica slots.
    Map<String, long[]> counts = new TreeMap<>(); // addr -> {primary slots, replica slots, primary ranges}
    Map<String, StringBuilder> ranges = new TreeMap<>();
    Map<String, String> ids = new TreeMap<>();
    for (Object shardObj : (List<?>) shards) {
      Map<String, Object> shard = pairs((List<?>) shardObj);
      List<?> slots = (List<?>) shard.get("slots");
      long n = 0;
      StringBuilder r = new StringBuilder();
      for (int k = 0; k + 1 < slots.size(); k += 2) {
        long a = (Long) slots.get(k);
        long b = (Long) slots.get(k + 1);
        n += b - a + 1;
        r.append(r.isEmpty() ? "" : ",").append(a == b ? Long.toString(a) : a + "-" + b);
      }
      for (Object nodeObj : (List<?>) shard.get("nodes")) {
        Map<String, Object> node = pairs((List<?>) nodeObj);
        String addr = node.get("ip") + ":" + node.get("port");
        ids.put(addr, (String) node.get("id"));
        long[] c = counts.computeIfAbsent(addr, k -> new long[3]);
        if ("master".equals(node.get("role"))) {
          c[0] += n;
          c[2] += slots.size() / 2;
          StringBuilder all = ranges.computeIfAbsent(addr, k -> new StringBuilder());
          all.append(all.isEmpty() ? "" : ",").append(r);
        } else {
          c[1] += n;
        }
      }
    }
    System.out.printf("%-22s %-10s %9s %9s %7s  %s%n", "node", "id", "primary", "replica", "ranges", "primary slots");
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      String slots = ranges.getOrDefault(e.getKey(), new StringBuilder()).toString();
      if (slots.length() > 60) {
        slots = slots.substring(0, 57) + "...";
      }
      System.out.printf("%-22s %-10s %9d %9d %7d  %s%n", e.getKey(), ids.get(e.getKey()).substring(0, 8),
          e.getValue()[0], e.getValue()[1], e.getValue()[2], slots);
    }
  }

  /** A RESP2 map sent as a flat array of key, value, key, value... */
  private static Map<String, Object> pairs(List<?> flat) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      m.put(String.valueOf(flat.get(i)), flat.get(i + 1));
    }
    return m;
  }

  static Map<String, String> clusterInfo(String host, int port) throws IOException {
    try (Resp c = new Resp(host, port)) {
      Map<String, String> m = new LinkedHashMap<>();
      for (String line : ((String) c.call("CLUSTER", "INFO")).split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          m.put(line.substring(0, colon), line.substring(colon + 1));
        }
      }
      return m;
    }
  }

  // ------------------------------------------------------------------------------------- stop

  @Command(name = "stop", mixinStandardHelpOptions = true,
      description = "Stops the nodes of a local cluster started with 'corvid cluster start', one at a time.")
  static final class Stop implements Callable<Integer> {
    @Option(names = {"--port", "-p"}, description = "first client port given to start (default ${DEFAULT-VALUE})") int port = DEFAULT_PORT;
    @Option(names = "--run-dir", description = "as given to start (default $TMPDIR/corvid-cluster-PORT)") Path runDir;

    @Override
    public Integer call() throws Exception {
      Path dir = runDir(runDir, port);
      List<Path> pidFiles = new ArrayList<>();
      if (Files.isDirectory(dir)) {
        try (var s = Files.list(dir)) {
          s.filter(f -> f.getFileName().toString().matches("node-\\d+\\.pid")).sorted().forEach(pidFiles::add);
        }
      }
      if (pidFiles.isEmpty()) {
        System.err.println("corvid cluster stop: no cluster started from port " + port + " (no pid files in " + dir + ")");
        return 1;
      }
      int failed = 0;
      for (Path f : pidFiles) {
        String name = f.getFileName().toString();
        int p = Integer.parseInt(name.substring("node-".length(), name.length() - ".pid".length()));
        Optional<ProcessHandle> h = readPid(dir, p).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
        if (h.isEmpty()) {
          System.out.println("node " + p + ": not running");
        } else if (stopProcess(h.get())) {
          System.out.println("node " + p + ": stopped (pid " + h.get().pid() + ")");
        } else {
          System.out.println("node " + p + ": did not exit within " + EXIT_TIMEOUT_MILLIS / 1000 + " s (pid " + h.get().pid() + ")");
          failed++;
          continue;
        }
        Files.deleteIfExists(f);
      }
      return failed == 0 ? 0 : 1;
    }
  }

  /** SIGTERM (the node leaves the cluster gracefully), then waits for it to exit. */
  static boolean stopProcess(ProcessHandle h) throws InterruptedException {
    h.destroy();
    try {
      h.onExit().get(EXIT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return !h.isAlive();
    }
  }

  // ------------------------------------------------------------------------------------ leave

  @Command(name = "leave", mixinStandardHelpOptions = true,
      description = "The node hands its slots over to the others, leaves the cluster and exits.")
  static final class Leave implements Callable<Integer> {
    @Option(names = "--host", description = "the node's address (default ${DEFAULT-VALUE})") String host = "127.0.0.1";
    @Option(names = {"--port", "-p"}, description = "the node's client port (default ${DEFAULT-VALUE})") int port = DEFAULT_PORT;

    @Override
    public Integer call() throws Exception {
      String id;
      String other = null;
      try (Resp c = new Resp(host, port)) {
        id = (String) c.call("CLUSTER", "MYID");
        for (String line : ((String) c.call("CLUSTER", "NODES")).split("\n")) {
          String[] f = line.split(" ");
          if (f.length > 2 && !f[0].equals(id)) {
            other = f[1].substring(0, f[1].indexOf('@'));
            break;
          }
        }
        System.out.println("node " + host + ":" + port + " (" + id.substring(0, 8) + ") is handing its slots over...");
        // In cluster mode SHUTDOWN hands the slots over first; the node closes the connection
        // when it exits and answers only if it refuses (an error).
        c.send("SHUTDOWN");
        String error = c.awaitClose(EXIT_TIMEOUT_MILLIS);
        if (error != null) {
          System.err.println("corvid cluster leave: " + error);
          return 1;
        }
      } catch (IOException e) {
        System.err.println("corvid cluster leave: " + host + ":" + port + ": " + e.getMessage());
        return 1;
      }
      if (other == null) {
        System.out.println("node " + id.substring(0, 8) + " has left (it was the only node)");
        return 0;
      }
      int colon = other.lastIndexOf(':');
      String oh = other.substring(0, colon);
      int op = Integer.parseInt(other.substring(colon + 1));
      long deadline = System.currentTimeMillis() + EXIT_TIMEOUT_MILLIS;
      while (System.currentTimeMillis() < deadline) {
        try (Resp c = new Resp(oh, op)) {
          if (!((String) c.call("CLUSTER", "NODES")).contains(id)) {
            System.out.println("node " + id.substring(0, 8) + " has left; " + other + " no longer lists it");
            return 0;
          }
        } catch (IOException e) {
          // the other node is busy or gone; try again
        }
        Thread.sleep(200);
      }
      System.err.println("corvid cluster leave: " + other + " still lists node " + id.substring(0, 8));
      return 1;
    }
  }

  // ------------------------------------------------------------------------------ RESP client

  /** A minimal blocking RESP2 client: enough for CLUSTER INFO, SHARDS, NODES, MYID and SHUTDOWN. */
  static final class Resp implements AutoCloseable {
    record Error(String message) {}

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Resp(String host, int port) throws IOException {
      socket = new Socket();
      socket.connect(new InetSocketAddress(host, port), SOCKET_TIMEOUT_MILLIS);
      socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
      in = new BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    Object call(String... args) throws IOException {
      send(args);
      Object r = read();
      if (r instanceof Error e) {
        throw new IOException(e.message());
      }
      return r;
    }

    void send(String... args) throws IOException {
      StringBuilder b = new StringBuilder().append('*').append(args.length).append("\r\n");
      for (String a : args) {
        b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
      }
      out.write(b.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    Object read() throws IOException {
      int type = in.read();
      if (type < 0) {
        throw new IOException("connection closed");
      }
      String line = line();
      switch (type) {
        case '+':
          return line;
        case '-':
          return new Error(line);
        case ':':
          return Long.parseLong(line);
        case '$': {
          int len = Integer.parseInt(line);
          if (len < 0) {
            return null;
          }
          byte[] data = in.readNBytes(len + 2);
          return new String(data, 0, len, StandardCharsets.UTF_8);
        }
        case '*': {
          int n = Integer.parseInt(line);
          List<Object> items = new ArrayList<>(Math.max(0, n));
          for (int i = 0; i < n; i++) {
            items.add(read());
          }
          return items;
        }
        default:
          throw new IOException("unexpected reply type '" + (char) type + "'");
      }
    }

    private String line() throws IOException {
      StringBuilder b = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0 && c != '\r') {
        b.append((char) c);
      }
      in.read(); // '\n'
      return b.toString();
    }

    /** Waits until the server closes the connection; returns null then, or the error it answered. */
    String awaitClose(long timeoutMillis) throws IOException {
      socket.setSoTimeout((int) timeoutMillis);
      try {
        Object reply = read();
        return reply instanceof Error e ? e.message() : "unexpected reply " + reply;
      } catch (java.net.SocketTimeoutException e) {
        throw new IOException("the node did not exit within " + timeoutMillis / 1000 + " s");
      } catch (IOException e) {
        return null; // closed (or reset) by the exiting node
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** The bus port offset (ServerConfig.CLUSTER_PORT_OFFSET). */
  private static final class ServerConfigPorts {
    static final int OFFSET = io.corvid.server.config.ServerConfig.CLUSTER_PORT_OFFSET;
  }
}
