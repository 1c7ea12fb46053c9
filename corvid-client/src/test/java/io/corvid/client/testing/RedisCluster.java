package io.corvid.client.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * A real Redis Cluster of {@code n} primaries (no replicas) on free ports, made with
 * {@code redis-cli --cluster create}; waits until every node reports {@code cluster_state:ok}.
 */
public final class RedisCluster implements AutoCloseable {
  private static final long READY_TIMEOUT_MILLIS = 60_000;

  private final List<RedisProcess> nodes = new ArrayList<>();

  public RedisCluster(int n, String... extraOptions) {
    this(n, 0, extraOptions);
  }

  /** {@code primaries} primaries with {@code replicasPerPrimary} replicas each. */
  public RedisCluster(int primaries, int replicasPerPrimary, String... extraOptions) {
    int n = primaries * (1 + replicasPerPrimary);
    try {
      List<String> create = new ArrayList<>(List.of("--cluster", "create"));
      for (int i = 0; i < n; i++) {
        List<String> options = new ArrayList<>(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", "5000"));
        options.addAll(List.of(extraOptions));
        RedisProcess p = RedisProcess.start(options.toArray(new String[0]));
        nodes.add(p);
        create.add(p.address());
      }
      create.add("--cluster-replicas");
      create.add(String.valueOf(replicasPerPrimary));
      create.add("--cluster-yes");
      String out = RedisProcess.cli(create.toArray(new String[0]));
      if (!out.contains("All 16384 slots covered")) {
        throw new IllegalStateException("cluster create failed: " + out);
      }
      long deadline = System.currentTimeMillis() + READY_TIMEOUT_MILLIS;
      for (RedisProcess p : nodes) {
        while (!RedisProcess.cli("-p", String.valueOf(p.port()), "CLUSTER", "INFO").contains("cluster_state:ok")) {
          if (System.currentTimeMillis() > deadline) {
            throw new IllegalStateException("cluster not ok on " + p.address());
          }
          RedisProcess.sleep(50);
        }
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  public List<RedisProcess> nodes() {
    return nodes;
  }

  public String[] seeds() {
    return nodes.stream().map(RedisProcess::address).toArray(String[]::new);
  }

  /** The node ID of a node (CLUSTER MYID). */
  public static String myId(RedisProcess p) {
    return RedisProcess.cli("-p", String.valueOf(p.port()), "CLUSTER", "MYID").trim();
  }

  @Override
  public void close() {
    for (RedisProcess p : nodes) {
      p.close();
    }
  }
}
