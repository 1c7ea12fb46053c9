package io.corvid.client;

import static io.corvid.client.ConnectionIT.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.client.codec.Codecs;
import io.corvid.client.connection.HostAndPort;
import io.corvid.client.metrics.CorvidMetrics;
import io.corvid.common.SlotHash;
import io.corvid.server.testing.ClusterProcesses;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;

/**
 * Slot routing against a real Corvid cluster: 3 nodes in cluster mode, each its own JVM on
 * 127.0.0.1 (ClusterIT runs the same client against a real Redis Cluster). It does not rely on
 * replication or failover: the last test changes the topology by stopping a node with SIGTERM
 * (it leaves at once, the others take its slots) and starting it again (it takes slots back), so
 * a client that read the topology in between holds a stale slot map and meets real MOVED replies
 * (and drops its near cache on the first).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CorvidClusterIT {
  private static ClusterProcesses cluster;

  @BeforeAll
  static void startCluster() {
    cluster = ClusterProcesses.start(3);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static HostAndPort node(int i) {
    return new HostAndPort("127.0.0.1", cluster.port(i));
  }

  @Test
  @Order(1)
  void oneSeedIsEnoughToRouteEveryKeyToItsPrimaryOnAllThreeNodes() {
    try (CorvidClient client = CorvidClient.connect(cluster.address(1))) {
      assertThat(client.isCluster()).isTrue();
      assertThat(client.router().nodes()).containsExactlyInAnyOrder(node(0), node(1), node(2));
      int keys = 600;
      for (int i = 0; i < keys; i++) {
        client.sync().set("route:" + i, "v" + i);
      }
      for (int i = 0; i < keys; i++) {
        assertThat(client.sync().get("route:" + i)).isEqualTo("v" + i);
      }
      assertThat(client.router().redirects()).as("every command went straight to its slot's primary").isZero();
      assertThat(client.router().openConnections()).extracting(c -> c.address())
          .containsExactlyInAnyOrder(node(0), node(1), node(2));
      // A node holds the keys of the slots it is primary of and, with replication, copies of the
      // slots it is a replica of: every key must be on the node the client routed it to.
      long total = 0;
      for (int i = 0; i < 3; i++) {
        try (Jedis jedis = cluster.jedis(i)) {
          Set<String> here = jedis.keys("route:*");
          int primaryHere = 0;
          for (int k = 0; k < keys; k++) {
            String key = "route:" + k;
            int slot = SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
            if (client.router().primaryOf(slot).equals(node(i))) {
              assertThat(here).as("node %d, the client's owner of %s (slot %d), holds it", i, key, slot).contains(key);
              primaryHere++;
            }
          }
          assertThat(primaryHere).as("keys whose primary is node %d", i).isPositive();
          total += primaryHere;
        }
      }
      assertThat(total).isEqualTo(keys);
    }
  }

  @Test
  @Order(2)
  void multiKeyCallsAreSplitBySlotAndReassembledInOrder() {
    try (CorvidClient client = CorvidClient.connect(cluster.address(0))) {
      List<byte[]> keys = new ArrayList<>();
      List<byte[]> values = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        keys.add(("multi:" + i).getBytes(StandardCharsets.UTF_8));
        values.add(("value-" + i).getBytes(StandardCharsets.UTF_8));
      }
      Set<Integer> slots = new HashSet<>();
      Set<HostAndPort> owners = new HashSet<>();
      for (byte[] k : keys) {
        slots.add(SlotHash.slot(k));
        owners.add(client.router().primaryOf(SlotHash.slot(k)));
      }
      assertThat(owners).hasSize(3);
      Map<Integer, Long> msetBefore = calls("mset");
      Map<Integer, Long> mgetBefore = calls("mget");

      List<byte[]> withMissing = ClusterIT.msetThenMgetWithAGap(client, keys, values);
      // One MSET and one MGET per slot (a node refuses keys of two slots with CROSSSLOT), and
      // every node got some: the calls really were split and spread.
      Map<Integer, Long> msetAfter = calls("mset");
      Map<Integer, Long> mgetAfter = calls("mget");
      long msets = 0;
      long mgets = 0;
      for (int i = 0; i < 3; i++) {
        long m = msetAfter.get(i) - msetBefore.get(i);
        assertThat(m).as("MSETs on node %d", i).isPositive();
        msets += m;
        mgets += mgetAfter.get(i) - mgetBefore.get(i);
      }
      assertThat(msets).isEqualTo(slots.size());
      assertThat(mgets).isEqualTo(slots.size() + (slots.contains(SlotHash.slot(withMissing.get(50))) ? 0 : 1));

      assertThat(client.sync().exists(withMissing.toArray(new byte[0][]))).isEqualTo(100);
      assertThat(client.sync().del(withMissing.toArray(new byte[0][]))).isEqualTo(100);
      assertThat(client.sync().exists(keys.toArray(new byte[0][]))).isZero();
      assertThat(client.router().redirects()).isZero();
    }
  }

  @Test
  @Order(3)
  void followsMovedWhenTheTopologyChangedUnderItAndCountsTheRedirects() throws Exception {
    assertThat(cluster.terminate(2)).isZero();
    cluster.awaitAgreement(2);
    // No timer refresh during the test: only the MOVED replies may teach the client.
    ClientOptions options = ClientOptions.builder().topologyRefreshPeriod(Duration.ofHours(1)).build();
    try (CorvidClient client = CorvidClient.connect(options, cluster.address(0))) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      CorvidMetrics.bind(client, registry);
      assertThat(client.router().nodes()).containsExactlyInAnyOrder(node(0), node(1));
      // A near cache (CLIENT TRACKING on each node) filled before the topology changes.
      CorvidCache<String, String> near =
          client.cache(CacheOptions.of("near", Codecs.string(), Codecs.string()).nearCache(1000, Duration.ofMinutes(5)));
      for (int i = 0; i < 50; i++) {
        near.put("k" + i, "v" + i);
        near.get("k" + i);
      }
      assertThat(near.nearCacheSize()).isEqualTo(50);

      cluster.restart(2);
      cluster.awaitAgreement(3);
      // Entries of slots that stayed put are still cached (the nodes' invalidations would drop
      // only keys of slots that moved), until the client learns of the move.
      assertThat(near.nearCacheSize()).isPositive();
      // The client still sends every slot to node 0 or 1; those node 2 took back answer MOVED.
      int keys = 1000;
      for (int i = 0; i < keys; i++) {
        client.sync().set("moved:" + i, "v" + i);
      }
      long redirects = client.router().redirects();
      assertThat(redirects).as("MOVED replies followed").isPositive();
      // A MOVED means another node may now serve what was cached: the whole near cache is dropped.
      assertThat(near.nearCacheSize()).as("near cache after a MOVED").isZero();
      for (int i = 0; i < keys; i++) {
        assertThat(client.sync().get("moved:" + i)).isEqualTo("v" + i);
      }
      try (Jedis jedis = cluster.jedis(2)) {
        assertThat(jedis.keys("moved:*")).as("keys written through MOVED to node 2").isNotEmpty();
      }
      // A MOVED also asks for a topology refresh: the map soon names all three nodes again, and
      // new keys then go straight to their owners.
      awaitCondition(() -> client.router().nodes().size() == 3);
      long settled = client.router().redirects();
      for (int i = 0; i < keys; i++) {
        client.sync().set("settled:" + i, "v" + i);
      }
      assertThat(client.router().redirects()).isEqualTo(settled);
      assertThat(registry.get("corvid.client.redirects").functionCounter().count()).isEqualTo(settled);
      assertThat(registry.get("corvid.client.topology.refreshes").functionCounter().count()).isPositive();
    }
  }

  /** {@code cmdstat_<command>} calls on each node (INFO commandstats). */
  private static Map<Integer, Long> calls(String command) {
    Map<Integer, Long> out = new HashMap<>();
    for (int i = 0; i < 3; i++) {
      try (Jedis jedis = cluster.jedis(i)) {
        long n = 0;
        for (String line : jedis.info("commandstats").split("\r\n")) {
          if (line.startsWith("cmdstat_" + command + ":calls=")) {
            String rest = line.substring(("cmdstat_" + command + ":calls=").length());
            n = Long.parseLong(rest.substring(0, rest.indexOf(',')));
          }
        }
        out.put(i, n);
      }
    }
    return out;
  }
}
