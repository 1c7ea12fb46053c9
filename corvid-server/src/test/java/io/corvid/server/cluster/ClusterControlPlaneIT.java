package io.corvid.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.common.SlotHash;
import io.corvid.server.testing.ClusterProcesses;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.resps.ClusterShardInfo;
import redis.clients.jedis.resps.ClusterShardNodeInfo;

/**
 * The cluster's control plane on real nodes (each its own JVM on 127.0.0.1): the cluster core
 * (corvid-cluster's ClusterNode) decides every topology and the nodes obey. A killed node's
 * primary slots go to their replicas in a newer epoch, a fourth node gets its share, a node
 * stopped with SIGTERM hands its slots over before it exits, and a node cut off in a minority
 * refuses writes. Data survival across failover is the data plane's (replication) job and is not
 * asserted here: without one, slots change owner empty.
 */
class ClusterControlPlaneIT {
  /** Generous deadlines for a loaded machine; the times measured are printed. */
  static final Duration FAILOVER_WITHIN = Duration.ofSeconds(30);
  static final Duration MINORITY_DETECTED_WITHIN = Duration.ofSeconds(30);

  ClusterProcesses cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aKilledNodesPrimarySlotsArePromotedOnTheSurvivorsInANewerEpoch() throws Exception {
    cluster = ClusterProcesses.start(3);
    long epochBefore = cluster.awaitAgreement(3);
    int victim = 2;
    int victimPort = cluster.port(victim);
    int[] primariesBefore = cluster.primaryPorts(0);
    int[] replicaBefore = replicaPorts(0);
    int victimSlots = 0;
    for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
      if (primariesBefore[s] == victimPort) {
        victimSlots++;
        assertThat(replicaBefore[s]).as("slot %d has a replica on another node", s).isNotIn(0, victimPort);
      }
    }
    assertThat(victimSlots).isGreaterThan(5000);

    long killedAt = System.nanoTime();
    cluster.kill9(victim);
    ClusterProcesses.await("the survivors serve every slot without the killed node", FAILOVER_WITHIN,
        () -> servesAllWithout(0, victimPort) && servesAllWithout(1, victimPort));
    System.out.println("kill -9 of a node of 3: its " + victimSlots + " primary slots promoted on the survivors after "
        + (System.nanoTime() - killedAt) / 1_000_000 + " ms");

    int[] primariesAfter = cluster.primaryPorts(0);
    for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
      if (primariesBefore[s] == victimPort) {
        // Failover promotes the slot's replica: no data would have to move.
        assertThat(primariesAfter[s]).as("new primary of slot %d", s).isEqualTo(replicaBefore[s]);
      }
    }
    long epochAfter = Long.parseLong(cluster.clusterInfo(0).get("cluster_current_epoch"));
    assertThat(epochAfter).isGreaterThan(epochBefore);

    // Writes to the killed node's slots succeed again through a cluster client.
    try (JedisCluster jc = jedisCluster(0)) {
      for (int s = 0; s < SlotHash.SLOT_COUNT; s += 7) {
        if (primariesBefore[s] == victimPort) {
          jc.set(ClusterIT.KEYS_BY_SLOT[s], "after-failover-" + s);
          assertThat(jc.get(ClusterIT.KEYS_BY_SLOT[s])).isEqualTo("after-failover-" + s);
        }
      }
    }
    // Then the cluster re-creates the lost replicas and the survivors settle on one newer epoch
    // (decisions go on after the failover, so the two may differ for a moment before).
    assertThat(cluster.awaitAgreement(2)).isGreaterThanOrEqualTo(epochAfter);
  }

  @Test
  void aFourthNodeGetsItsShareInANewerEpoch() {
    cluster = ClusterProcesses.start(3);
    long epochBefore = cluster.awaitAgreement(3);
    int fourth = cluster.addNode();
    long epochAfter = cluster.awaitAgreement(4);
    assertThat(epochAfter).isGreaterThan(epochBefore);
    for (int i = 0; i < 4; i++) {
      assertThat(cluster.clusterInfo(i).get("cluster_current_epoch")).isEqualTo(Long.toString(epochAfter));
    }
    Map<Integer, Integer> counts = primaryCounts(cluster.primaryPorts(fourth));
    System.out.println("primary slots per node after the fourth joined: " + counts);
    assertThat(counts).hasSize(4).containsKey(cluster.port(fourth));
    int min = counts.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
    int max = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    // Per-node counts within 1% of the mean (4096), Placement's guarantee.
    assertThat(max - min).isLessThanOrEqualTo(41);
    try (JedisCluster jc = jedisCluster(fourth)) {
      for (int s = 0; s < SlotHash.SLOT_COUNT; s += 64) {
        jc.set(ClusterIT.KEYS_BY_SLOT[s], "v" + s);
        assertThat(jc.get(ClusterIT.KEYS_BY_SLOT[s])).isEqualTo("v" + s);
      }
    }
  }

  @Test
  void aNodeStoppedWithSigtermHandsItsSlotsOverFirst() throws Exception {
    cluster = ClusterProcesses.start(3);
    long epochBefore = cluster.awaitAgreement(3);
    int leaver = 1;
    int leaverPort = cluster.port(leaver);
    assertThat(primaryCounts(cluster.primaryPorts(0))).containsKey(leaverPort);
    long t0 = System.nanoTime();
    assertThat(cluster.terminate(leaver)).isEqualTo(0);
    System.out.println("SIGTERM of a node of 3: handed over and exited after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    // The node's last lines reach the test through a reader thread, maybe after it exited.
    try {
      ClusterProcesses.await("the leaver logs that it handed every slot over", Duration.ofSeconds(30),
          () -> cluster.node(leaver).output().stream().anyMatch(l -> l.contains("Left the cluster: every slot handed over")));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n" + cluster.outputs(), e);
    }
    long epochAfter = cluster.awaitAgreement(2);
    assertThat(epochAfter).isGreaterThan(epochBefore);
    Map<Integer, Integer> counts = primaryCounts(cluster.primaryPorts(0));
    assertThat(counts).containsOnlyKeys(cluster.port(0), cluster.port(2));
    try (JedisCluster jc = jedisCluster(2)) {
      for (int s = 0; s < SlotHash.SLOT_COUNT; s += 64) {
        jc.set(ClusterIT.KEYS_BY_SLOT[s], "v" + s);
        assertThat(jc.get(ClusterIT.KEYS_BY_SLOT[s])).isEqualTo("v" + s);
      }
    }
  }

  @Test
  void aNodeCutOffInAMinorityRefusesWritesAndReadsAfterTheTimeoutThenRejoins() throws Exception {
    cluster = ClusterProcesses.start(3, "--cluster-node-timeout", "1000", "--cluster-minority-timeout", "500");
    cluster.awaitAgreement(3);
    int[] primaries = cluster.primaryPorts(0);
    String key = null;
    for (int s = 0; s < SlotHash.SLOT_COUNT && key == null; s++) {
      if (primaries[s] == cluster.port(0)) {
        key = ClusterIT.KEYS_BY_SLOT[s];
      }
    }
    String ownKey = key;
    try (Jedis j = cluster.jedis(0)) {
      assertThat(j.set(ownKey, "before")).isEqualTo("OK");
    }
    cluster.suspend(1);
    cluster.suspend(2);
    try {
      long t0 = System.nanoTime();
      ClusterProcesses.await("node 0, alone, refuses writes", MINORITY_DETECTED_WITHIN, () -> {
        try (Jedis j = cluster.jedis(0)) {
          j.set(ownKey, "in-minority");
          return false;
        } catch (JedisDataException e) {
          return e.getMessage().startsWith("CLUSTERDOWN");
        }
      });
      System.out.println("two of 3 nodes hung: the third refuses writes after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
      try (Jedis j = cluster.jedis(0)) {
        assertThatThrownBy(() -> j.set(ownKey, "x")).hasMessage("CLUSTERDOWN The cluster is down");
        assertThatThrownBy(() -> j.get(ownKey)).hasMessage("CLUSTERDOWN The cluster is down");
        assertThat(cluster.clusterInfo(0).get("cluster_state")).isEqualTo("fail");
      }
    } finally {
      cluster.resume(1);
      cluster.resume(2);
    }
    // Healed: the three merge again and node 0 takes writes.
    cluster.awaitAgreement(3);
    try (JedisCluster jc = jedisCluster(0)) {
      jc.set(ownKey, "after-heal");
      assertThat(jc.get(ownKey)).isEqualTo("after-heal");
    }
  }

  // ---------------------------------------------------------------------------------- helpers

  private JedisCluster jedisCluster(int seed) {
    return new JedisCluster(Set.of(new HostAndPort("127.0.0.1", cluster.port(seed))), 10_000, 10_000, 10,
        new GenericObjectPoolConfig<>());
  }

  /** Whether node i answers, serves every slot and names no slot's primary at {@code port}. */
  private boolean servesAllWithout(int i, int port) {
    try {
      for (int p : cluster.primaryPorts(i)) {
        if (p == 0 || p == port) {
          return false;
        }
      }
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The (first) replica of each slot as node i's CLUSTER SHARDS says: its client port, or 0. */
  private int[] replicaPorts(int i) {
    int[] replica = new int[SlotHash.SLOT_COUNT];
    try (Jedis j = cluster.jedis(i)) {
      for (ClusterShardInfo shard : j.clusterShards()) {
        int port = 0;
        for (ClusterShardNodeInfo n : shard.getNodes()) {
          if ("replica".equals(n.getRole())) {
            port = n.getPort().intValue();
          }
        }
        List<List<Long>> ranges = shard.getSlots();
        for (List<Long> r : ranges) {
          for (long s = r.get(0); s <= r.get(1); s++) {
            replica[(int) s] = port;
          }
        }
      }
    }
    return replica;
  }

  private static Map<Integer, Integer> primaryCounts(int[] primaries) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int p : primaries) {
      counts.merge(p, 1, Integer::sum);
    }
    return counts;
  }
}
