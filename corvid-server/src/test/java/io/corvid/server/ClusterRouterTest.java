package io.corvid.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.cluster.ClusterConfig;
import io.corvid.cluster.ClusterNode;
import io.corvid.cluster.Member;
import io.corvid.cluster.NodeId;
import io.corvid.cluster.Output;
import io.corvid.cluster.SlotRole;
import io.corvid.cluster.Topology;
import io.corvid.cluster.View;
import io.corvid.common.Clock;
import io.corvid.common.SlotHash;
import io.corvid.server.cluster.SlotTable;
import io.corvid.server.config.ServerConfig;
import io.corvid.storage.Keyspace;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster router's ({@link io.corvid.server.cluster.ClusterRouter}) answers that depend on the cluster core's state, on a real node (commands through
 * a ClientConnection) whose core is a real {@link ClusterNode} driven in memory with a second
 * one: -TRYAGAIN while a slot is paused for its switch, -CLUSTERDOWN in a minority, -ASK and
 * ASKING while a slot's primary moves, -MOVED. (The multi-process ITs cover what a cluster
 * does; a migration's short windows are easier to hold still here.)
 */
class ClusterRouterTest {
  static final NodeId A = NodeId.of("a".repeat(40));
  static final NodeId B = NodeId.of("b".repeat(40));
  static final Member MEMBER_A = new Member(A, "127.0.0.1", 6379, 16379);
  static final Member MEMBER_B = new Member(B, "127.0.0.1", 6380, 16380);

  Keyspace keyspace;
  Node node;
  EmbeddedChannel channel;
  ClusterNode a;
  ClusterNode b;
  long now = 1_000_000;

  @BeforeEach
  void setUp() throws Exception {
    ServerConfig config = new ServerConfig();
    config.setAtStartup("cluster-enabled", "yes");
    keyspace = Keyspace.create(config.storageConfig(), Clock.SYSTEM);
    node = new Node(config, keyspace, Clock.SYSTEM);
    channel = new EmbeddedChannel(new ClientConnection(node));
    // No replicas: a joining node gets its slots by primary moves (with replicas it would first
    // become every slot's replica, and the moves would be role swaps, which need no -ASK).
    a = new ClusterNode(ClusterConfig.defaults().withReplicaCount(0), MEMBER_A, 1);
    b = new ClusterNode(ClusterConfig.defaults().withReplicaCount(0), MEMBER_B, 2);
    // A alone: a cluster of one, primary of every slot.
    run(a, a.onViewChange(new View(1, List.of(A), false), now));
    install(a);
  }

  @AfterEach
  void tearDown() {
    channel.finishAndReleaseAll();
    keyspace.close();
  }

  @Test
  void aSlotPausedForItsSwitchAnswersTryagainToWritesOnly() {
    String key = "{" + keyOfSlot(firstMovedSlotAfterJoin()) + "}k";
    assertThat(call("SET", key, "v")).isEqualTo("+OK");
    joinB();
    int slot = slotOf(key);
    assertThat(a.isPaused(slot)).isFalse();
    assertThat(call("SET", key, "w")).isEqualTo("+OK");
    run(a, a.onTick(now)); // the target is within migrationPauseLagOps of A's offset: A pauses the slot
    assertThat(a.isPaused(slot)).isTrue();
    assertThat(call("SET", key, "x")).isEqualTo("-TRYAGAIN Slot is switching owner, try again");
    assertThat(call("GET", key)).isEqualTo("$1\r\nw");
  }

  @Test
  void aMovingPrimaryAnswersAskForKeysItDoesNotHaveAndTryagainForAMix() {
    int slot = firstMovedSlotAfterJoin();
    String tag = "{" + keyOfSlot(slot) + "}";
    assertThat(call("SET", tag + "here", "v")).isEqualTo("+OK");
    joinB();
    Topology t = a.topology();
    assertThat(t.migration(slot).to()).isEqualTo(B);
    assertThat(t.role(slot, B)).isEqualTo(SlotRole.IMPORTING);
    assertThat(call("GET", tag + "here")).isEqualTo("$1\r\nv");
    assertThat(call("GET", tag + "gone")).isEqualTo("-ASK " + slot + " 127.0.0.1:6380");
    assertThat(call("SET", tag + "new", "v")).isEqualTo("-ASK " + slot + " 127.0.0.1:6380");
    assertThat(call("MGET", tag + "here", tag + "gone")).isEqualTo("-TRYAGAIN Multiple keys request during rehashing of slot");
    assertThat(call("SET", tag + "here", "w")).isEqualTo("+OK");
  }

  @Test
  void theImportingNodeServesAfterAskingForOneCommand() {
    int slot = firstMovedSlotAfterJoin();
    String key = "{" + keyOfSlot(slot) + "}k";
    joinB();
    // This node is B now: the slot's importer.
    SlotTable tb = SlotTable.of(b.topology(), B.hex());
    assertThat(tb.migrationTo(slot)).isEqualTo(tb.self());
    node.lock().lock();
    try {
      node.cluster().install(b, tb);
    } finally {
      node.lock().unlock();
    }
    assertThat(call("GET", key)).isEqualTo("-MOVED " + slot + " 127.0.0.1:6379");
    assertThat(call("ASKING")).isEqualTo("+OK");
    assertThat(call("GET", key)).isEqualTo("$-1");
    assertThat(call("GET", key)).isEqualTo("-MOVED " + slot + " 127.0.0.1:6379");
  }

  @Test
  void aNodeCutOffInAMinorityRefusesWritesAndReadsOnceTheTimeoutPassed() {
    joinB();
    // B is gone from A's view: A holds 1 of 2 members, no majority. The view arrived long ago.
    long past = System.nanoTime() / 1_000_000 - ClusterConfig.DEFAULT_MINORITY_WRITE_TIMEOUT_MILLIS - 10_000;
    run(a, a.onViewChange(new View(3, List.of(A), false), past));
    install(a);
    assertThat(a.inMinority()).isTrue();
    String key = keyServedBy(A);
    assertThat(call("SET", key, "v")).isEqualTo("-CLUSTERDOWN The cluster is down");
    assertThat(call("GET", key)).isEqualTo("-CLUSTERDOWN The cluster is down");
    assertThat(call("CLUSTER", "INFO")).contains("cluster_state:fail");
  }

  @Test
  void withMinorityReadsANodeInAMinorityServesReadsButNotWrites() {
    ClusterConfig d = ClusterConfig.defaults().withReplicaCount(0);
    ClusterConfig reads = new ClusterConfig(d.replicaCount(), d.maxMigrationsPerNode(), d.migrationPauseLagOps(),
        d.minorityWriteTimeoutMillis(), true, d.retryIntervalMillis(), d.bootstrapMinMembers());
    a = new ClusterNode(reads, MEMBER_A, 1);
    b = new ClusterNode(reads, MEMBER_B, 2);
    run(a, a.onViewChange(new View(1, List.of(A), false), now));
    install(a);
    String key = keyServedBy(A);
    assertThat(call("SET", key, "v")).isEqualTo("+OK");
    joinB();
    long past = System.nanoTime() / 1_000_000 - d.minorityWriteTimeoutMillis() - 10_000;
    run(a, a.onViewChange(new View(3, List.of(A), false), past));
    install(a);
    assertThat(call("SET", key, "w")).isEqualTo("-CLUSTERDOWN The cluster is down and only accepts read commands");
    assertThat(call("GET", key)).isEqualTo("$1\r\nv");
  }

  @Test
  void aKeyOfAnotherNodesSlotIsMoved() {
    joinB();
    // Let every migration switch: B acks everything, A reports ready, the coordinator switches.
    for (int round = 0; round < 200 && a.topology().migrationCount() > 0; round++) {
      for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
        if (a.topology().migration(s) != null && a.role(s) == SlotRole.PRIMARY) {
          a.onReplicaAck(s, a.topology().migration(s).to(), Math.max(0, a.localOffset(s)));
        }
      }
      now += 200;
      run(a, a.onTick(now));
      run(b, b.onTick(now));
    }
    assertThat(a.topology().migrationCount()).isZero();
    install(a);
    String key = keyServedBy(B);
    assertThat(call("GET", key)).isEqualTo("-MOVED " + slotOf(key) + " 127.0.0.1:6380");
  }

  // ---------------------------------------------------------------------------------- helpers

  /**
   * The first slot whose primary moves to B when B joins: computed on a copy of the pair, so the
   * test can write its keys before the join.
   */
  private int firstMovedSlotAfterJoin() {
    ClusterRouterTest probe = new ClusterRouterTest();
    probe.a = new ClusterNode(ClusterConfig.defaults().withReplicaCount(0), MEMBER_A, 1);
    probe.b = new ClusterNode(ClusterConfig.defaults().withReplicaCount(0), MEMBER_B, 2);
    probe.run(probe.a, probe.a.onViewChange(new View(1, List.of(A), false), now));
    View v = new View(2, List.of(A, B), false);
    List<Output> fromB = probe.b.onViewChange(v, now);
    probe.run(probe.a, probe.a.onViewChange(v, now));
    probe.run(probe.b, fromB);
    return probe.a.topology().migrations().get(0).slot();
  }

  /** B joins: one view of both; the coordinator (A) decides the first migration wave. */
  private void joinB() {
    View v = new View(2, List.of(A, B), false);
    List<Output> fromB = b.onViewChange(v, now);
    run(a, a.onViewChange(v, now));
    run(b, fromB);
    assertThat(a.topology().members()).extracting(Member::id).containsExactly(A, B);
    install(a);
  }

  /** Delivers messages between the two cores until none is left. */
  private void run(ClusterNode from, List<Output> outputs) {
    Deque<Object[]> queue = new ArrayDeque<>();
    enqueue(queue, from, outputs);
    while (!queue.isEmpty()) {
      Object[] m = queue.poll();
      ClusterNode sender = (ClusterNode) m[0];
      ClusterNode to = (ClusterNode) m[1];
      Output.Send s = (Output.Send) m[2];
      if (to.view() == null || !to.view().contains(sender.id())) {
        continue; // not connected in the receiver's view
      }
      enqueue(queue, to, to.onMessage(sender.id(), s.payload(), now));
    }
  }

  private void enqueue(Deque<Object[]> queue, ClusterNode from, List<Output> outputs) {
    Map<NodeId, ClusterNode> nodes = Map.of(A, a, B, b);
    for (Output o : outputs) {
      if (o instanceof Output.Send s) {
        if (s.to() == null) {
          for (NodeId id : from.view().members()) {
            if (!id.equals(from.id())) {
              queue.add(new Object[] {from, nodes.get(id), s});
            }
          }
        } else {
          queue.add(new Object[] {from, nodes.get(s.to()), s});
        }
      }
    }
  }

  private void install(ClusterNode core) {
    node.lock().lock();
    try {
      node.cluster().install(core, SlotTable.of(core.topology(), core.id().hex()));
    } finally {
      node.lock().unlock();
    }
  }

  /** A key (without braces) of the slot. */
  private static String keyOfSlot(int slot) {
    for (int i = 0; ; i++) {
      if (slotOf("key:" + i) == slot) {
        return "key:" + i;
      }
    }
  }

  private static int slotOf(String key) {
    return SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
  }

  /** A key of a slot whose primary is {@code id} and which is not migrating. */
  private String keyServedBy(NodeId id) {
    Topology t = a.topology();
    for (int i = 0; ; i++) {
      String key = "key:" + i;
      int s = slotOf(key);
      if (id.equals(t.primary(s)) && t.migration(s) == null) {
        return key;
      }
    }
  }

  /** Sends one command; returns the reply without its final CRLF. */
  private String call(String... command) {
    StringBuilder one = new StringBuilder("*").append(command.length).append("\r\n");
    for (String c : command) {
      one.append('$').append(c.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(c).append("\r\n");
    }
    channel.writeInbound(channel.alloc().buffer().writeBytes(one.toString().getBytes(StandardCharsets.UTF_8)));
    StringBuilder reply = new StringBuilder();
    ByteBuf out;
    while ((out = channel.readOutbound()) != null) {
      reply.append(out.toString(StandardCharsets.UTF_8));
      out.release();
    }
    String r = reply.toString();
    return r.endsWith("\r\n") ? r.substring(0, r.length() - 2) : r;
  }
}
