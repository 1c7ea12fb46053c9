package io.corvid.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corvid.common.SlotHash;
import io.corvid.resp.RespValue;
import io.corvid.server.testing.ClusterProcesses;
import io.corvid.server.testing.RawClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.ClusterPipeline;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisMovedDataException;
import redis.clients.jedis.resps.ClusterShardInfo;
import redis.clients.jedis.resps.ClusterShardNodeInfo;

/**
 * A three-node cluster of real server processes, driven by real cluster clients from one seed
 * address: JedisCluster, Lettuce's RedisClusterClient and {@code redis-cli -c}; plus the Redis
 * Cluster protocol's replies and errors, compared with Redis 7.0's wording.
 */
class ClusterIT {
  static ClusterProcesses cluster;
  /** One key per slot: KEYS_BY_SLOT[s] hashes to slot s. */
  static final String[] KEYS_BY_SLOT = keyPerSlot();

  @BeforeAll
  static void start() {
    cluster = ClusterProcesses.start(3);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static String[] keyPerSlot() {
    String[] keys = new String[SlotHash.SLOT_COUNT];
    int found = 0;
    for (int i = 0; found < SlotHash.SLOT_COUNT; i++) {
      String k = "key:" + i;
      int s = SlotHash.slot(k.getBytes(StandardCharsets.UTF_8));
      if (keys[s] == null) {
        keys[s] = k;
        found++;
      }
    }
    return keys;
  }

  /** Client port of the node owning each slot, from node 0's CLUSTER SLOTS. */
  static int[] ownerPorts() {
    int[] owner = new int[SlotHash.SLOT_COUNT];
    try (Jedis j = cluster.jedis(0)) {
      for (Object range : j.clusterSlots()) {
        List<?> r = (List<?>) range;
        long start = (Long) r.get(0);
        long end = (Long) r.get(1);
        long port = (Long) ((List<?>) r.get(2)).get(1);
        for (long s = start; s <= end; s++) {
          owner[(int) s] = (int) port;
        }
      }
    }
    return owner;
  }

  static int indexOfPort(int port) {
    for (int i = 0; i < cluster.size(); i++) {
      if (cluster.port(i) == port) {
        return i;
      }
    }
    throw new AssertionError("no node on port " + port);
  }

  @Test
  void jedisClusterFromOneSeedSetsAndGetsAKeyInEverySlot() {
    try (Jedis j = cluster.jedis(0)) {
      j.flushAll();
    }
    try (Jedis j = cluster.jedis(1)) {
      j.flushAll();
    }
    try (Jedis j = cluster.jedis(2)) {
      j.flushAll();
    }
    try (JedisCluster jc = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", cluster.port(0))), 10_000, 10_000, 5,
        new org.apache.commons.pool2.impl.GenericObjectPoolConfig<>())) {
      assertThat(jc.getClusterNodes()).hasSize(3);
      try (ClusterPipeline p = jc.pipelined()) {
        for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
          p.set(KEYS_BY_SLOT[s], "v" + s);
        }
        p.sync();
      }
      List<Response<String>> got = new ArrayList<>();
      try (ClusterPipeline p = jc.pipelined()) {
        for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
          got.add(p.get(KEYS_BY_SLOT[s]));
        }
        p.sync();
      }
      for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
        assertThat(got.get(s).get()).as("slot %d", s).isEqualTo("v" + s);
      }
      // A few without the pipeline, so plain JedisCluster commands go through too.
      for (int s = 0; s < SlotHash.SLOT_COUNT; s += 997) {
        assertThat(jc.get(KEYS_BY_SLOT[s])).isEqualTo("v" + s);
      }
    }
    // Each key landed on its slot's primary: a node's keys in its primary slots are its slot count
    // (its other keys are the copies of the slots it replicates, replication/ReplicationIT).
    int[] owner = ownerPorts();
    Map<Integer, Integer> slotsPerPort = new HashMap<>();
    for (int port : owner) {
      slotsPerPort.merge(port, 1, Integer::sum);
    }
    for (int i = 0; i < 3; i++) {
      try (Jedis j = cluster.jedis(i)) {
        redis.clients.jedis.Pipeline p = j.pipelined();
        List<Response<Object>> counts = new ArrayList<>();
        for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
          if (owner[s] == cluster.port(i)) {
            counts.add(p.sendCommand(redis.clients.jedis.Protocol.Command.CLUSTER, "COUNTKEYSINSLOT", Integer.toString(s)));
          }
        }
        p.sync();
        assertThat(counts.stream().mapToLong(r -> (Long) r.get()).sum()).as("node %d", i)
            .isEqualTo((long) slotsPerPort.get(cluster.port(i)));
        assertThat(slotsPerPort.get(cluster.port(i))).isGreaterThan(SlotHash.SLOT_COUNT / 3 - 10);
        int someSlot = -1;
        for (int s = 0; s < owner.length; s++) {
          if (owner[s] == cluster.port(i)) {
            someSlot = s;
            break;
          }
        }
        assertThat(j.clusterCountKeysInSlot(someSlot)).isEqualTo(1);
        assertThat(j.clusterGetKeysInSlot(someSlot, 10)).containsExactly(KEYS_BY_SLOT[someSlot]);
      }
    }
  }

  @Test
  void aKeyOfAnotherNodeIsMovedToItsPrimary() {
    int[] owner = ownerPorts();
    int slot = -1;
    for (int s = 0; s < owner.length; s++) {
      if (owner[s] != cluster.port(0)) {
        slot = s;
        break;
      }
    }
    try (RawClient c = new RawClient("127.0.0.1", cluster.port(0))) {
      RespValue v = c.call("GET", KEYS_BY_SLOT[slot]);
      assertThat(v).isInstanceOf(RespValue.ErrorReply.class);
      assertThat(RawClient.text(v)).isEqualTo("MOVED " + slot + " 127.0.0.1:" + owner[slot]);
    }
    try (Jedis j = cluster.jedis(0)) {
      int s = slot;
      assertThatThrownBy(() -> j.set(KEYS_BY_SLOT[s], "x"))
          .isInstanceOfSatisfying(JedisMovedDataException.class, e -> {
            assertThat(e.getSlot()).isEqualTo(s);
            assertThat(e.getTargetNode().getPort()).isEqualTo(owner[s]);
          });
    }
  }

  @Test
  void lettuceClusterClientFromOneSeedReadsTheTopologyAndRoutes() {
    RedisClusterClient client = RedisClusterClient.create(RedisURI.create("127.0.0.1", cluster.port(1)));
    try (StatefulRedisClusterConnection<String, String> conn = client.connect()) {
      Partitions partitions = client.getPartitions();
      assertThat(partitions).hasSize(3);
      int slots = 0;
      Set<String> ids = new HashSet<>();
      for (RedisClusterNode n : partitions) {
        assertThat(n.is(RedisClusterNode.NodeFlag.UPSTREAM)).isTrue();
        slots += n.getSlots().size();
        ids.add(n.getNodeId());
      }
      assertThat(slots).isEqualTo(SlotHash.SLOT_COUNT);
      assertThat(ids).hasSize(3);
      RedisAdvancedClusterCommands<String, String> cmd = conn.sync();
      for (int s = 0; s < SlotHash.SLOT_COUNT; s += 7) {
        cmd.set("lettuce:" + KEYS_BY_SLOT[s], "l" + s);
      }
      for (int s = 0; s < SlotHash.SLOT_COUNT; s += 7) {
        assertThat(cmd.get("lettuce:" + KEYS_BY_SLOT[s])).isEqualTo("l" + s);
      }
      // Multi-key commands across slots: Lettuce splits them per slot.
      Map<String, String> many = new HashMap<>();
      for (int s = 1; s < SlotHash.SLOT_COUNT; s += 1001) {
        many.put("m:" + KEYS_BY_SLOT[s], "m" + s);
      }
      assertThat(cmd.mset(many)).isEqualTo("OK");
      assertThat(cmd.mget(many.keySet().toArray(new String[0]))).allSatisfy(kv -> assertThat(kv.getValue()).isEqualTo(many.get(kv.getKey())));
    } finally {
      client.shutdown();
    }
  }

  @Test
  void redisCliFollowsRedirects() throws Exception {
    String cli = redisCli();
    assumeTrue(cli != null, "redis-cli not installed");
    int[] owner = ownerPorts();
    int slot = -1;
    for (int s = 0; s < owner.length; s++) {
      if (owner[s] == cluster.port(2)) {
        slot = s;
        break;
      }
    }
    String key = KEYS_BY_SLOT[slot];
    assertThat(run(cli, "-c", "-p", Integer.toString(cluster.port(0)), "SET", key, "from-cli").strip()).isEqualTo("OK");
    assertThat(run(cli, "-p", Integer.toString(cluster.port(2)), "GET", key).strip()).isEqualTo("from-cli");
    assertThat(run(cli, "-c", "-p", Integer.toString(cluster.port(1)), "GET", key).strip()).isEqualTo("from-cli");
    assertThat(run(cli, "-p", Integer.toString(cluster.port(0)), "GET", key).strip())
        .isEqualTo("MOVED " + slot + " 127.0.0.1:" + cluster.port(2));
  }

  @Test
  void redisCliClusterCheckAcceptsTheTopology() throws Exception {
    String cli = redisCli();
    assumeTrue(cli != null, "redis-cli not installed");
    String out = run(cli, "--cluster", "check", cluster.address(0));
    assertThat(out).contains("[OK] All nodes agree about slots configuration.", "[OK] All 16384 slots covered.");
  }

  @Test
  void clusterSlotsShardsAndNodesDescribeTheSameTopology() {
    try (Jedis j = cluster.jedis(0)) {
      List<Object> slots = j.clusterSlots();
      List<ClusterShardInfo> shards = j.clusterShards();
      String nodes = j.clusterNodes();
      String myId = j.clusterMyId();
      assertThat(myId).matches("[0-9a-f]{40}");
      int slotCount = 0;
      for (Object range : slots) {
        List<?> r = (List<?>) range;
        slotCount += (int) ((Long) r.get(1) - (Long) r.get(0) + 1);
        // start, end, primary, and the slot's one replica (replicas hold the data: replication/)
        assertThat(r).hasSize(4);
      }
      assertThat(slotCount).isEqualTo(SlotHash.SLOT_COUNT);
      // A shard is the slots sharing one primary and the same replicas: with 3 nodes and one
      // replica per slot, each primary has one or two replica partners.
      assertThat(shards).hasSizeBetween(3, 6);
      String[] lines = nodes.split("\n");
      assertThat(lines).hasSize(3);
      Set<String> idsFromNodes = new HashSet<>();
      for (String line : lines) {
        String[] f = line.split(" ");
        idsFromNodes.add(f[0]);
        assertThat(f[1]).matches("127\\.0\\.0\\.1:\\d+@\\d+");
        int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
        int bus = Integer.parseInt(f[1].substring(f[1].indexOf('@') + 1));
        assertThat(bus).isEqualTo(port + 10_000);
        assertThat(f[2]).isEqualTo(f[0].equals(myId) ? "myself,master" : "master");
        assertThat(f[3]).isEqualTo("-");
        assertThat(f[7]).isEqualTo("connected");
        assertThat(f.length).isGreaterThanOrEqualTo(9);
      }
      Set<String> idsFromShards = new HashSet<>();
      int shardSlots = 0;
      for (ClusterShardInfo s : shards) {
        List<List<Long>> ranges = s.getSlots();
        for (List<Long> r : ranges) {
          shardSlots += (int) (r.get(1) - r.get(0) + 1);
        }
        ClusterShardNodeInfo primary = s.getNodes().get(0);
        assertThat(primary.getRole()).isEqualTo("master");
        assertThat(primary.getHealth()).isEqualTo("online");
        idsFromShards.add(primary.getId());
        assertThat(s.getNodes()).hasSize(2); // one replica per slot by default
        assertThat(s.getNodes().get(1).getRole()).isEqualTo("replica");
      }
      assertThat(shardSlots).isEqualTo(SlotHash.SLOT_COUNT);
      assertThat(idsFromShards).isEqualTo(idsFromNodes);
      Map<String, String> info = cluster.clusterInfo(0);
      assertThat(info).containsEntry("cluster_state", "ok").containsEntry("cluster_slots_assigned", "16384")
          .containsEntry("cluster_known_nodes", "3").containsEntry("cluster_size", "3");
    }
  }

  @Test
  void redisErrorsForCrossSlotSelectMoveAndSlotArguments() {
    try (RawClient c = new RawClient("127.0.0.1", cluster.port(0))) {
      assertThat(RawClient.text(c.call("MGET", "a", "b"))).isEqualTo("CROSSSLOT Keys in request don't hash to the same slot");
      assertThat(RawClient.text(c.call("SELECT", "1"))).isEqualTo("ERR SELECT is not allowed in cluster mode");
      assertThat(RawClient.text(c.call("SELECT", "0"))).isEqualTo("OK");
      assertThat(RawClient.text(c.call("SELECT", "x"))).isEqualTo("ERR value is not an integer or out of range");
      assertThat(c.call("CLUSTER", "KEYSLOT", "foo")).isEqualTo(new RespValue.Int(12182));
      assertThat(c.call("CLUSTER", "KEYSLOT", "{user1000}.following")).isEqualTo(c.call("CLUSTER", "KEYSLOT", "{user1000}.followers"));
      assertThat(RawClient.text(c.call("CLUSTER", "COUNTKEYSINSLOT", "16384"))).isEqualTo("ERR Invalid slot");
      assertThat(RawClient.text(c.call("CLUSTER", "COUNTKEYSINSLOT", "x"))).isEqualTo("ERR value is not an integer or out of range");
      assertThat(RawClient.text(c.call("CLUSTER", "GETKEYSINSLOT", "1", "-1"))).isEqualTo("ERR Invalid slot or number of keys");
      assertThat(RawClient.text(c.call("CLUSTER", "FOO"))).isEqualTo("ERR unknown subcommand 'FOO'. Try CLUSTER HELP.");
      assertThat(RawClient.text(c.call("CLUSTER", "INFO", "x"))).isEqualTo("ERR wrong number of arguments for 'cluster|info' command");
      // Keys of one slot, wherever it lives, are one request: hash tags.
      int slot = SlotHash.slot("{t}".getBytes(StandardCharsets.UTF_8));
      int owner = indexOfPort(ownerPorts()[slot]);
      try (RawClient o = new RawClient("127.0.0.1", cluster.port(owner))) {
        assertThat(RawClient.text(o.call("MSET", "{t}a", "1", "{t}b", "2"))).isEqualTo("OK");
        assertThat(RawClient.text(o.call("MOVE", "{t}a", "1"))).isEqualTo("ERR MOVE is not allowed in cluster mode");
        assertThat(RawClient.text(o.call("COPY", "{t}a", "{t}c", "DB", "1")))
            .isEqualTo("ERR Copying to another database is not allowed in cluster mode");
        assertThat(o.call("COPY", "{t}a", "{t}c", "DB", "0")).isEqualTo(new RespValue.Int(1));
      }
    }
  }

  @Test
  void aRedirectInsideMultiAbortsTheTransaction() {
    int[] owner = ownerPorts();
    int foreign = -1;
    for (int s = 0; s < owner.length; s++) {
      if (owner[s] != cluster.port(0)) {
        foreign = s;
        break;
      }
    }
    try (RawClient c = new RawClient("127.0.0.1", cluster.port(0))) {
      assertThat(RawClient.text(c.call("MULTI"))).isEqualTo("OK");
      assertThat(RawClient.text(c.call("SET", KEYS_BY_SLOT[foreign], "x"))).startsWith("MOVED " + foreign + " ");
      assertThat(RawClient.text(c.call("EXEC"))).isEqualTo("EXECABORT Transaction discarded because of previous errors.");
    }
  }

  /** As Redis 7.0: each node entry is ip, port, id and a map of extra metadata (empty here). */
  @Test
  void clusterSlotsHasRedisShapeInBothProtocols() {
    try (RawClient c = new RawClient("127.0.0.1", cluster.port(0))) {
      RespValue.Array resp2 = (RespValue.Array) c.call("CLUSTER", "SLOTS");
      RespValue.Array range = (RespValue.Array) resp2.elements().get(0);
      assertThat(range.elements()).hasSize(4); // start, end, primary, its replica
      assertThat(range.elements().get(0)).isEqualTo(new RespValue.Int(0));
      RespValue.Array node = (RespValue.Array) range.elements().get(2);
      assertThat(node.elements()).hasSize(4);
      assertThat(RawClient.text(node.elements().get(0))).isEqualTo("127.0.0.1");
      assertThat(node.elements().get(1)).isInstanceOf(RespValue.Int.class);
      assertThat(RawClient.text(node.elements().get(2))).matches("[0-9a-f]{40}");
      assertThat(node.elements().get(3)).isEqualTo(new RespValue.Array(List.of()));
      // Asked again (the reply is cached per topology): the same bytes.
      assertThat(c.call("CLUSTER", "SLOTS")).isEqualTo(resp2);

      c.call("HELLO", "3");
      RespValue.Array resp3 = (RespValue.Array) c.call("CLUSTER", "SLOTS");
      RespValue.Array node3 = (RespValue.Array) ((RespValue.Array) resp3.elements().get(0)).elements().get(2);
      assertThat(node3.elements().get(3)).isEqualTo(new RespValue.MapValue(List.of()));
      assertThat(resp3.elements()).hasSameSizeAs(resp2.elements());
      assertThat(c.call("CLUSTER", "INFO")).isInstanceOf(RespValue.Verbatim.class);
    }
  }

  @Test
  void keysOfTwoSlotsInOneTransactionAreRefusedAtExec() {
    int[] owner = ownerPorts();
    int first = -1;
    int second = -1;
    for (int s = 0; s < owner.length; s++) {
      if (owner[s] == cluster.port(0)) {
        if (first < 0) {
          first = s;
        } else {
          second = s;
          break;
        }
      }
    }
    try (RawClient c = new RawClient("127.0.0.1", cluster.port(0))) {
      assertThat(RawClient.text(c.call("MULTI"))).isEqualTo("OK");
      assertThat(RawClient.text(c.call("SET", KEYS_BY_SLOT[first], "1"))).isEqualTo("QUEUED");
      assertThat(RawClient.text(c.call("SET", KEYS_BY_SLOT[second], "2"))).isEqualTo("QUEUED");
      assertThat(RawClient.text(c.call("EXEC"))).isEqualTo("CROSSSLOT Keys in request don't hash to the same slot");
      assertThat(RawClient.text(c.call("EXEC"))).isEqualTo("ERR EXEC without MULTI");
      // One slot: it runs.
      assertThat(RawClient.text(c.call("MULTI"))).isEqualTo("OK");
      assertThat(RawClient.text(c.call("SET", KEYS_BY_SLOT[first], "1"))).isEqualTo("QUEUED");
      assertThat(RawClient.text(c.call("GET", KEYS_BY_SLOT[first]))).isEqualTo("QUEUED");
      assertThat(c.call("EXEC")).isInstanceOf(RespValue.Array.class);
    }
  }

  @Test
  void readonlyServesReadsOfReplicatedSlotsAndStillRedirectsWrites() {
    // Node 0 holds replicas of some slots whose primary is elsewhere (CLUSTER SHARDS says which).
    String myId;
    List<ClusterShardInfo> shards;
    try (Jedis j = cluster.jedis(0)) {
      myId = j.clusterMyId();
      shards = j.clusterShards();
    }
    int replicated = -1;
    for (ClusterShardInfo s : shards) {
      if (!s.getNodes().get(0).getId().equals(myId) && s.getNodes().get(1).getId().equals(myId)) {
        replicated = (int) (long) s.getSlots().get(0).get(0);
      }
    }
    assertThat(replicated).as("a slot node 0 replicates").isGreaterThanOrEqualTo(0);
    String key = KEYS_BY_SLOT[replicated];
    try (RawClient c = new RawClient("127.0.0.1", cluster.port(0))) {
      assertThat(RawClient.text(c.call("GET", key))).startsWith("MOVED " + replicated + " ");
      assertThat(RawClient.text(c.call("READONLY"))).isEqualTo("OK");
      assertThat(c.call("GET", key)).isNotInstanceOf(RespValue.ErrorReply.class);
      assertThat(RawClient.text(c.call("SET", key, "x"))).startsWith("MOVED " + replicated + " ");
      assertThat(RawClient.text(c.call("READWRITE"))).isEqualTo("OK");
      assertThat(RawClient.text(c.call("GET", key))).startsWith("MOVED " + replicated + " ");
      assertThat(RawClient.text(c.call("ASKING"))).isEqualTo("OK");
    }
  }

  static String redisCli() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path p = Path.of(dir, "redis-cli");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
