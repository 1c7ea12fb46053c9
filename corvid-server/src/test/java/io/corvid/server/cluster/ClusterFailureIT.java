package io.corvid.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.SlotHash;
import io.corvid.server.testing.ClusterProcesses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;

/**
 * Membership under failures, with real processes: a node killed with SIGKILL leaves the others'
 * view within seconds (the time is measured and printed; the assertion is a generous bound, not
 * a speed target), a restarted node joins again, a node stopped with SIGTERM leaves at once, and
 * a cluster client keeps working on the nodes that remain.
 */
class ClusterFailureIT {
  /** Generous: the defaults aim at about one second on an idle machine. */
  static final Duration KILLED_NODE_GONE_WITHIN = Duration.ofSeconds(10);

  ClusterProcesses cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aKilledNodeLeavesTheViewQuicklyAndARestartedOneJoinsAgain() throws Exception {
    cluster = ClusterProcesses.start(3);
    long epochBefore = cluster.awaitAgreement(3);

    long killedAt = System.nanoTime();
    cluster.kill9(2);
    ClusterProcesses.await("the killed node is out of both views", KILLED_NODE_GONE_WITHIN,
        () -> knownNodes(0) == 2 && knownNodes(1) == 2);
    long millis = (System.nanoTime() - killedAt) / 1_000_000;
    System.out.println("kill -9 of one node of 3: out of the view after " + millis + " ms");
    long epochAfter = cluster.awaitAgreement(2);
    assertThat(epochAfter).isGreaterThan(epochBefore);
    assertEveryKeyReadableThroughJedisCluster(0, "after-kill");

    cluster.restart(2);
    long epochRejoined = cluster.awaitAgreement(3);
    assertThat(epochRejoined).isGreaterThan(epochAfter);
    // The slots the returning node took are gone from the nodes that no longer hold them.
    ClusterProcesses.await("no node holds a stale copy of a slot", Duration.ofSeconds(30),
        this::nodesHoldOnlyTheirPrimarySlots);
    assertEveryKeyReadableThroughJedisCluster(2, "after-restart");
    assertThat(nodesHoldOnlyTheirPrimarySlots()).isTrue();
  }

  /**
   * No stale copies: the keys of a slot are on at most its 1 + cluster-replicas (1) owners, and
   * on its primary (CLUSTER COUNTKEYSINSLOT on every live node).
   */
  private boolean nodesHoldOnlyTheirPrimarySlots() {
    int[] owner = new int[SlotHash.SLOT_COUNT];
    try (Jedis j = cluster.jedis(0)) {
      for (Object range : j.clusterSlots()) {
        List<?> r = (List<?>) range;
        long port = (Long) ((List<?>) r.get(2)).get(1);
        for (long s = (Long) r.get(0); s <= (Long) r.get(1); s++) {
          owner[(int) s] = (int) port;
        }
      }
    }
    int[] holders = new int[SlotHash.SLOT_COUNT];
    boolean[] onPrimary = new boolean[SlotHash.SLOT_COUNT];
    boolean[] any = new boolean[SlotHash.SLOT_COUNT];
    for (int i = 0; i < cluster.size(); i++) {
      if (!cluster.isAlive(i)) {
        continue;
      }
      try (Jedis j = cluster.jedis(i)) {
        Pipeline p = j.pipelined();
        List<Response<Object>> counts = new ArrayList<>();
        for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
          counts.add(p.sendCommand(Protocol.Command.CLUSTER, "COUNTKEYSINSLOT", Integer.toString(s)));
        }
        p.sync();
        for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
          if ((Long) counts.get(s).get() != 0) {
            holders[s]++;
            any[s] = true;
            onPrimary[s] |= owner[s] == cluster.port(i);
          }
        }
      }
    }
    for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
      if (holders[s] > 2 || (any[s] && !onPrimary[s])) {
        return false;
      }
    }
    return true;
  }

  @Test
  void aNodeStoppedWithSigtermLeavesAtOnce() throws Exception {
    cluster = ClusterProcesses.start(3);
    long stoppedAt = System.nanoTime();
    assertThat(cluster.terminate(1)).isEqualTo(0);
    ClusterProcesses.await("the stopped node is out of both views", KILLED_NODE_GONE_WITHIN,
        () -> knownNodes(0) == 2 && knownNodes(2) == 2);
    System.out.println("SIGTERM of one node of 3: out of the view " + (System.nanoTime() - stoppedAt) / 1_000_000
        + " ms after the signal");
    cluster.awaitAgreement(2);
    assertEveryKeyReadableThroughJedisCluster(2, "after-leave");
  }

  private int knownNodes(int i) {
    try {
      return Integer.parseInt(cluster.clusterInfo(i).get("cluster_known_nodes"));
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** Writes and reads a key in every 16th slot through a JedisCluster seeded with one live node. */
  private void assertEveryKeyReadableThroughJedisCluster(int seed, String prefix) {
    // Generous timeouts: a loaded machine may take more than Jedis's default 2 s to answer.
    try (JedisCluster jc = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", cluster.port(seed))), 10_000, 10_000, 5,
        new org.apache.commons.pool2.impl.GenericObjectPoolConfig<>())) {
      for (int s = 0; s < SlotHash.SLOT_COUNT; s += 16) {
        jc.set(prefix + ":" + ClusterIT.KEYS_BY_SLOT[s], "v" + s);
      }
      for (int s = 0; s < SlotHash.SLOT_COUNT; s += 16) {
        assertThat(jc.get(prefix + ":" + ClusterIT.KEYS_BY_SLOT[s])).isEqualTo("v" + s);
      }
    }
  }
}
