package io.corvid.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.client.cluster.SlotMap;
import io.corvid.client.cluster.TopologyParser;
import io.corvid.client.connection.Command;
import io.corvid.client.connection.HostAndPort;
import io.corvid.client.testing.RedisCluster;
import io.corvid.client.testing.RedisProcess;
import io.corvid.common.SlotHash;
import io.corvid.resp.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Slot routing against a real 3-primary Redis Cluster made by redis-cli --cluster create. */
class ClusterIT {
  private static RedisCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = new RedisCluster(3);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  void bootstrapsFromAnyOneSeedAndRoutesEveryKeyToItsPrimary() {
    try (CorvidClient client = CorvidClient.connect(cluster.nodes().get(2).address())) {
      assertThat(client.isCluster()).isTrue();
      assertThat(client.router().nodes()).hasSize(3);
      for (int i = 0; i < 500; i++) {
        client.sync().set("route:" + i, "v" + i);
      }
      for (int i = 0; i < 500; i++) {
        assertThat(client.sync().get("route:" + i)).isEqualTo("v" + i);
      }
      // Every command went straight to the right node: none was redirected.
      assertThat(client.router().redirects()).isZero();
      long total = 0;
      for (RedisProcess node : cluster.nodes()) {
        try (Jedis jedis = new Jedis("127.0.0.1", node.port())) {
          long here = jedis.keys("route:*").size();
          assertThat(here).as("keys on %s", node.address()).isPositive();
          total += here;
        }
      }
      assertThat(total).isEqualTo(500);
    }
  }

  @Test
  void multiKeyCommandsAreSplitBySlotAndReassembledInOrder() {
    try (CorvidClient client = CorvidClient.connect(cluster.seeds())) {
      List<byte[]> keys = new ArrayList<>();
      List<byte[]> values = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        keys.add(("multi:" + i).getBytes(StandardCharsets.UTF_8));
        values.add(("value-" + i).getBytes(StandardCharsets.UTF_8));
      }
      assertThat(keys.stream().map(SlotHash::slot).distinct().count()).isGreaterThan(50);
      List<byte[]> withMissing = msetThenMgetWithAGap(client, keys, values);
      assertThat(client.sync().exists(withMissing.toArray(new byte[0][]))).isEqualTo(100);
      assertThat(client.sync().del(withMissing.toArray(new byte[0][]))).isEqualTo(100);
      assertThat(client.sync().exists(keys.toArray(new byte[0][]))).isZero();
      assertThat(client.router().redirects()).isZero();
    }
  }

  /**
   * MSETs {@code values[i]} (each "value-i") to {@code keys[i]}, then MGETs the keys with an absent
   * one at index 50 and checks the values come back in order with null in the gap; returns that
   * key list (also used against a Corvid cluster by CorvidClusterIT).
   */
  static List<byte[]> msetThenMgetWithAGap(CorvidClient client, List<byte[]> keys, List<byte[]> values) {
    client.sync().mset(keys, values);
    List<byte[]> withMissing = new ArrayList<>(keys);
    withMissing.add(50, "multi:absent".getBytes(StandardCharsets.UTF_8));
    List<byte[]> got = client.sync().mget(withMissing);
    assertThat(got).hasSize(keys.size() + 1);
    for (int i = 0; i < got.size(); i++) {
      if (i == 50) {
        assertThat(got.get(i)).isNull();
      } else {
        int k = i < 50 ? i : i - 1;
        assertThat(new String(got.get(i), StandardCharsets.UTF_8)).isEqualTo("value-" + k);
      }
    }
    return withMissing;
  }

  @Test
  void hashTagsPutKeysInOneSlot() {
    try (CorvidClient client = CorvidClient.connect(cluster.seeds())) {
      byte[] a = "{user:7}.name".getBytes(StandardCharsets.UTF_8);
      byte[] b = "{user:7}.mail".getBytes(StandardCharsets.UTF_8);
      assertThat(SlotHash.slot(a)).isEqualTo(SlotHash.slot(b));
      // One MSET with both keys: Redis Cluster refuses it (CROSSSLOT) unless they share a slot.
      client.sync().command(a, Command.args("MSET", a, "ann", b, "ann@example.com"));
      assertThat(client.sync().mget(List.of(a, b))).extracting(v -> new String(v, StandardCharsets.UTF_8))
          .containsExactly("ann", "ann@example.com");
    }
  }

  @Test
  void clusterShardsAndClusterSlotsGiveTheSameMap() throws Exception {
    try (CorvidClient client = CorvidClient.connect(cluster.seeds())) {
      HostAndPort node = client.router().nodes().get(0);
      RespValue shards = client.router().executeOn(node, Command.args("CLUSTER", "SHARDS")).get(10, TimeUnit.SECONDS);
      RespValue slots = client.router().executeOn(node, Command.args("CLUSTER", "SLOTS")).get(10, TimeUnit.SECONDS);
      SlotMap a = TopologyParser.parseShards(shards, node);
      SlotMap b = TopologyParser.parseSlots(slots, node);
      assertThat(a.uncovered()).isZero();
      for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
        assertThat(a.primary(s)).isEqualTo(b.primary(s));
      }
      assertThat(a.nodes()).containsExactlyInAnyOrderElementsOf(
          cluster.nodes().stream().map(p -> new HostAndPort("127.0.0.1", p.port())).toList());
    }
  }

  @Test
  void followsAskWhileASlotMigratesAndMovedOnceItHasMoved() {
    String key = "migrating-key";
    int slot = SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
    try (CorvidClient client = CorvidClient.connect(cluster.seeds())) {
      client.sync().set(key, "before");
      HostAndPort source = client.router().nodes().stream()
          .filter(n -> ownerOf(slot).equals(n)).findFirst().orElseThrow();
      RedisProcess from = process(source);
      RedisProcess to = cluster.nodes().stream().filter(p -> p != from).findFirst().orElseThrow();
      String fromId = RedisCluster.myId(from);
      String toId = RedisCluster.myId(to);

      // Half-way: the slot is MIGRATING on the source, IMPORTING on the target, the key moved.
      cli(to, "CLUSTER", "SETSLOT", String.valueOf(slot), "IMPORTING", fromId);
      cli(from, "CLUSTER", "SETSLOT", String.valueOf(slot), "MIGRATING", toId);
      assertThat(cli(from, "MIGRATE", "127.0.0.1", String.valueOf(to.port()), key, "0", "5000")).contains("OK");
      long redirects = client.router().redirects();
      assertThat(client.sync().get(key)).isEqualTo("before");
      assertThat(client.router().redirects()).isEqualTo(redirects + 1); // -ASK, then ASKING + GET on the target
      // ASK does not change the map: the next read asks the source again and is redirected again.
      assertThat(client.sync().get(key)).isEqualTo("before");
      assertThat(client.router().redirects()).isEqualTo(redirects + 2);

      // Done: every node agrees the target owns the slot.
      for (RedisProcess p : cluster.nodes()) {
        cli(p, "CLUSTER", "SETSLOT", String.valueOf(slot), "NODE", toId);
      }
      client.sync().set(key, "after"); // -MOVED from the source, resent to the target
      assertThat(client.router().redirects()).isEqualTo(redirects + 3);
      assertThat(client.sync().get(key)).isEqualTo("after");
      assertThat(client.router().redirects()).isEqualTo(redirects + 3); // the map was patched
      try (Jedis jedis = new Jedis("127.0.0.1", to.port())) {
        assertThat(jedis.get(key)).isEqualTo("after");
      }
    }
  }

  @Test
  void readsOfOtherSlotsKeepWorkingWhileOneNodeIsDownAndItsOwnFailCleanly() throws Exception {
    try (RedisCluster small = new RedisCluster(3, "--cluster-require-full-coverage", "no");
        CorvidClient client = CorvidClient.connect(
            ClientOptions.builder().retryTimeout(java.time.Duration.ofSeconds(1)).build(), small.seeds())) {
      for (int i = 0; i < 30; i++) {
        client.sync().set("k" + i, "v" + i);
      }
      RedisProcess victim = small.nodes().get(0);
      HostAndPort victimAddress = new HostAndPort("127.0.0.1", victim.port());
      victim.kill();
      int served = 0;
      int failed = 0;
      for (int i = 0; i < 30; i++) {
        int slot = SlotHash.slot(("k" + i).getBytes(StandardCharsets.UTF_8));
        boolean onVictim = victimAddress.equals(slotOwner(client, slot));
        try {
          assertThat(client.sync().get("k" + i)).isEqualTo("v" + i);
          assertThat(onVictim).isFalse();
          served++;
        } catch (ConnectionLostException | ConnectException e) {
          assertThat(onVictim).isTrue();
          failed++;
        }
      }
      assertThat(served).isPositive();
      assertThat(failed).isPositive();
    }
  }

  @Test
  void aRedirectLoopStopsAfterMaxRedirects() {
    // The source says ASK (slot MIGRATING, key absent) but the target is not IMPORTING, so it
    // answers MOVED back to the source: a loop only the redirect limit ends.
    String key = "ping-pong-key";
    int slot = SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
    HostAndPort owner = ownerOf(slot);
    RedisProcess from = process(owner);
    RedisProcess to = cluster.nodes().stream().filter(p -> p != from).findFirst().orElseThrow();
    try (CorvidClient client = CorvidClient.connect(ClientOptions.builder().maxRedirects(3).build(), cluster.seeds())) {
      cli(from, "CLUSTER", "SETSLOT", String.valueOf(slot), "MIGRATING", RedisCluster.myId(to));
      long before = client.router().redirects();
      assertThatThrownBy(() -> client.sync().get(key))
          .isInstanceOf(ServerErrorException.class)
          .hasMessageContaining("gave up after 3 redirects");
      assertThat(client.router().redirects() - before).isEqualTo(3);
    } finally {
      cli(from, "CLUSTER", "SETSLOT", String.valueOf(slot), "STABLE");
    }
  }

  @Test
  void nearCacheIsInvalidatedByEveryNode() throws Exception {
    try (CorvidClient reader = CorvidClient.connect(cluster.nodes().get(0).address());
        CorvidClient writer = CorvidClient.connect(cluster.seeds())) {
      // Only the seed's connection is open when tracking is turned on; the others ask for it in
      // their handshake when they open.
      CorvidCache<String, String> cache = reader.cache(CacheOptions.of("nc", io.corvid.client.codec.Codecs.string(),
          io.corvid.client.codec.Codecs.string()).nearCache(1000, java.time.Duration.ofMinutes(5)));
      for (int i = 0; i < 30; i++) {
        writer.sync().set("nc:k" + i, "v1");
        assertThat(cache.get("k" + i)).isEqualTo("v1");
        assertThat(cache.get("k" + i)).isEqualTo("v1");
      }
      assertThat(cache.nearCacheHits()).isEqualTo(30);
      assertThat(reader.router().openConnections()).hasSize(3);
      for (int i = 0; i < 30; i++) {
        writer.sync().set("nc:k" + i, "v2");
      }
      for (int i = 0; i < 30; i++) {
        int n = i;
        ConnectionIT.awaitCondition(() -> "v2".equals(cache.get("k" + n)));
      }
    }
  }

  private static HostAndPort slotOwner(CorvidClient client, int slot) {
    return client.router().primaryOf(slot);
  }

  private static HostAndPort ownerOf(int slot) {
    for (RedisProcess p : cluster.nodes()) {
      for (String line : cli(p, "CLUSTER", "NODES").split("\n")) {
        if (line.contains("myself") && servesSlot(line, slot)) {
          return new HostAndPort("127.0.0.1", p.port());
        }
      }
    }
    throw new AssertionError("no owner for slot " + slot);
  }

  private static boolean servesSlot(String nodesLine, int slot) {
    String[] fields = nodesLine.trim().split(" ");
    for (int i = 8; i < fields.length; i++) {
      String range = fields[i];
      if (range.startsWith("[")) {
        continue;
      }
      String[] ends = range.split("-");
      int lo = Integer.parseInt(ends[0]);
      int hi = ends.length > 1 ? Integer.parseInt(ends[1]) : lo;
      if (slot >= lo && slot <= hi) {
        return true;
      }
    }
    return false;
  }

  private static RedisProcess process(HostAndPort address) {
    return cluster.nodes().stream().filter(p -> p.port() == address.port()).findFirst().orElseThrow();
  }

  private static String cli(RedisProcess p, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "-p";
    all[1] = String.valueOf(p.port());
    System.arraycopy(args, 0, all, 2, args.length);
    return RedisProcess.cli(all);
  }
}
