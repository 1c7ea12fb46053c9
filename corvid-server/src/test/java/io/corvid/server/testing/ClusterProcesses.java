package io.corvid.server.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * N real Corvid nodes in cluster mode, each its own JVM on 127.0.0.1 (heap {@link #NODE_HEAP}, so
 * five fit on a small machine). Client ports are chosen free with their bus port (client port +
 * 10000) free too, so the seeds can be given as users give them, {@code host:port}. The first
 * node starts alone (a cluster of one), the others start together with every other node as a
 * seed. {@link #awaitAgreement} polls until the live nodes agree on one topology.
 *
 * <p>Nodes are stopped by PID: {@link #kill9}, {@link #terminate}, and {@link #close} (SIGTERM,
 * then SIGKILL), and {@link #restart} starts a node again on the same ports.
 */
public final class ClusterProcesses implements AutoCloseable {
  public static final String NODE_HEAP = "256m";
  /** Ports are drawn from here: below the kernel's ephemeral range, and port + 10000 stays below it too. */
  private static final int PORT_MIN = 20_000;
  private static final int PORT_MAX = 22_000;
  public static final Duration AGREEMENT_TIMEOUT = Duration.ofSeconds(90);
  /** How long a node stopped with SIGTERM may take to hand its slots over (cluster-leave-timeout is 30 s). */
  public static final Duration LEAVE_GRACE = Duration.ofSeconds(60);
  private static final Set<Integer> handedOut = new HashSet<>();

  private int[] ports;
  private final List<String> extraOptions;
  private ServerProcess[] nodes;

  private ClusterProcesses(int n, List<String> extraOptions) {
    this.ports = new int[n];
    for (int i = 0; i < n; i++) {
      ports[i] = freePortPair();
    }
    this.extraOptions = List.copyOf(extraOptions);
    this.nodes = new ServerProcess[n];
  }

  /** Starts one more node with every existing node as its seed; returns its index. */
  public int addNode() {
    int i = nodes.length;
    ports = java.util.Arrays.copyOf(ports, i + 1);
    nodes = java.util.Arrays.copyOf(nodes, i + 1);
    ports[i] = freePortPair();
    nodes[i] = launch(i);
    return i;
  }

  /** Starts n nodes and waits until they agree on a topology of n nodes. */
  public static ClusterProcesses start(int n, String... extraOptions) {
    ClusterProcesses c = new ClusterProcesses(n, List.of(extraOptions));
    try {
      c.nodes[0] = c.launch(0);
      ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, n - 1));
      try {
        List<Future<ServerProcess>> started = new ArrayList<>();
        for (int i = 1; i < n; i++) {
          int index = i;
          started.add(pool.submit(() -> c.launch(index)));
        }
        for (int i = 1; i < n; i++) {
          c.nodes[i] = started.get(i - 1).get();
        }
      } finally {
        pool.shutdown();
      }
      c.awaitAgreement(n);
      return c;
    } catch (Exception | Error e) {
      c.close();
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("cluster did not start", e);
    }
  }

  private ServerProcess launch(int i) {
    List<String> options = new ArrayList<>(List.of("--port", Integer.toString(ports[i]), "--cluster-enabled", "yes"));
    StringBuilder seeds = new StringBuilder();
    for (int j = 0; j < ports.length; j++) {
      if (j != i) {
        seeds.append(seeds.isEmpty() ? "" : ",").append("127.0.0.1:").append(ports[j]);
      }
    }
    if (i != 0 && !seeds.isEmpty()) {
      options.add("--cluster-seeds");
      options.add(seeds.toString());
    }
    options.addAll(extraOptions);
    return ServerProcess.startWithHeap(NODE_HEAP, options);
  }

  public int size() {
    return nodes.length;
  }

  public ServerProcess node(int i) {
    return nodes[i];
  }

  public int port(int i) {
    return ports[i];
  }

  /** "127.0.0.1:port" of node i, as a seed or a client address. */
  public String address(int i) {
    return "127.0.0.1:" + ports[i];
  }

  public boolean isAlive(int i) {
    return nodes[i] != null && nodes[i].isAlive();
  }

  public void kill9(int i) throws InterruptedException {
    nodes[i].kill9();
  }

  /** SIGTERM: the node leaves gracefully (hands its slots over) and exits; returns its exit code. */
  public int terminate(int i) throws InterruptedException {
    return nodes[i].terminate(LEAVE_GRACE.toSeconds());
  }

  /** SIGSTOP: node i hangs (alive, answering nothing), as a node cut off by a partition. */
  public void suspend(int i) throws Exception {
    signal(i, "STOP");
  }

  /** SIGCONT: node i runs again after {@link #suspend}. */
  public void resume(int i) throws Exception {
    signal(i, "CONT");
  }

  private void signal(int i, String sig) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(nodes[i].pid())).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("kill -" + sig + " " + nodes[i].pid() + " failed");
    }
  }

  /**
   * The primary of each slot as node i's CLUSTER SLOTS says: the client port, or 0 for a slot
   * nobody serves.
   */
  public int[] primaryPorts(int i) {
    int[] owner = new int[io.corvid.common.SlotHash.SLOT_COUNT];
    try (Jedis j = jedis(i)) {
      for (Object range : j.clusterSlots()) {
        List<?> r = (List<?>) range;
        long port = (Long) ((List<?>) r.get(2)).get(1);
        for (long s = (Long) r.get(0); s <= (Long) r.get(1); s++) {
          owner[(int) s] = (int) port;
        }
      }
    }
    return owner;
  }

  /** Starts node i again on its ports, with every other node as its seed. */
  public void restart(int i) {
    if (isAlive(i)) {
      throw new IllegalStateException("node " + i + " is still running");
    }
    List<String> options = new ArrayList<>(List.of("--port", Integer.toString(ports[i]), "--cluster-enabled", "yes"));
    StringBuilder seeds = new StringBuilder();
    for (int j = 0; j < ports.length; j++) {
      if (j != i) {
        seeds.append(seeds.isEmpty() ? "" : ",").append("127.0.0.1:").append(ports[j]);
      }
    }
    if (!seeds.isEmpty()) {
      options.add("--cluster-seeds");
      options.add(seeds.toString());
    }
    options.addAll(extraOptions);
    nodes[i] = ServerProcess.startWithHeap(NODE_HEAP, options);
  }

  /** A plain connection to node i. */
  public Jedis jedis(int i) {
    return new Jedis(new HostAndPort("127.0.0.1", ports[i]), DefaultJedisClientConfig.builder().timeoutMillis(10_000).build());
  }

  /** CLUSTER INFO of node i as name -> value. */
  public java.util.Map<String, String> clusterInfo(int i) {
    try (Jedis j = jedis(i)) {
      java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
      for (String line : j.clusterInfo().split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          m.put(line.substring(0, colon), line.substring(colon + 1));
        }
      }
      return m;
    }
  }

  /**
   * Waits until every live node reports {@code expectedNodes} known nodes, state ok, no slot
   * migrating and the same epoch; returns that epoch.
   */
  public long awaitAgreement(int expectedNodes) {
    long[] epoch = new long[1];
    await("nodes agree on a topology of " + expectedNodes, AGREEMENT_TIMEOUT, () -> {
      Long seen = null;
      for (int i = 0; i < nodes.length; i++) {
        if (!isAlive(i)) {
          continue;
        }
        java.util.Map<String, String> info;
        try {
          info = clusterInfo(i);
        } catch (RuntimeException e) {
          return false;
        }
        if (!"ok".equals(info.get("cluster_state"))
            || !Integer.toString(expectedNodes).equals(info.get("cluster_known_nodes"))
            || !"0".equals(info.getOrDefault("cluster_migrating_slots", "0"))) {
          return false;
        }
        long e = Long.parseLong(info.get("cluster_current_epoch"));
        if (seen != null && seen != e) {
          return false;
        }
        seen = e;
      }
      epoch[0] = seen == null ? -1 : seen;
      return seen != null;
    });
    return epoch[0];
  }

  /** Polls the condition every 50 ms until it holds, or fails after the timeout. */
  public static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting until " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting until " + what);
      }
    }
  }

  /** Output of every node, for a failing test's message. */
  public String outputs() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null) {
        b.append("---- node ").append(i).append(" (port ").append(ports[i]).append(")\n");
        nodes[i].output().forEach(l -> b.append(l).append('\n'));
      }
    }
    return b.toString();
  }

  @Override
  public void close() {
    for (ServerProcess p : nodes) {
      if (p != null) {
        p.close();
      }
    }
  }

  /** A port p with p..p+n-1 and their bus ports (+10000) free on 127.0.0.1. */
  public static synchronized int freeConsecutivePorts(int n) {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int p = ThreadLocalRandom.current().nextInt(PORT_MIN, PORT_MAX - n);
      boolean ok = true;
      for (int k = 0; k < n && ok; k++) {
        ok = !handedOut.contains(p + k) && free(p + k) && free(p + k + 10_000);
      }
      if (ok) {
        for (int k = 0; k < n; k++) {
          handedOut.add(p + k);
        }
        return p;
      }
    }
    throw new IllegalStateException("no " + n + " free consecutive ports in " + PORT_MIN + ".." + PORT_MAX);
  }

  /** A port p with p and p + 10000 (its cluster bus port) free on 127.0.0.1. */
  private static synchronized int freePortPair() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int p = ThreadLocalRandom.current().nextInt(PORT_MIN, PORT_MAX);
      if (!handedOut.contains(p) && free(p) && free(p + 10_000)) {
        handedOut.add(p);
        return p;
      }
    }
    throw new IllegalStateException("no free port pair in " + PORT_MIN + ".." + PORT_MAX);
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      s.setReuseAddress(true);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
