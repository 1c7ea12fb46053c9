package io.corvid.server.cluster;

import io.corvid.cluster.ClusterConfig;
import io.corvid.cluster.ClusterNode;
import io.corvid.cluster.Member;
import io.corvid.cluster.Migration;
import io.corvid.cluster.NodeId;
import io.corvid.cluster.Output;
import io.corvid.cluster.SlotRole;
import io.corvid.cluster.Topology;
import io.corvid.cluster.View;
import io.corvid.common.SlotHash;
import io.corvid.server.Node;
import io.corvid.server.config.ClusterSeed;
import io.corvid.server.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.MergeView;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ExtendedUUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's I/O around the cluster core: a JGroups channel on the cluster bus port for
 * membership, failure detection and the core's messages, and one thread ("corvid-cluster") that
 * drives corvid-cluster's {@link ClusterNode} and carries out what it decides.
 *
 * <h2>Membership</h2>
 * The stack is JGroups' TCP stack with timeouts from the configuration: TCP bound to the node's
 * address on the bus port; TCPPING with the seeds' bus ports; MERGE3 (heals partitions); FD_SOCK2
 * (a peer's closed socket: a killed process is suspected at once), FD_ALL3 (heartbeats: a hung
 * process is suspected after {@code cluster-node-timeout}), VERIFY_SUSPECT2 (a suspect gets
 * {@code cluster-suspect-timeout} to answer before it is removed); NAKACK2, UNICAST3, STABLE,
 * GMS, flow control and FRAG4.
 *
 * <p>Each node announces itself in its JGroups address: an {@link ExtendedUUID} carrying its
 * {@link ClusterMember} (node id, client host and port, bus port), so every view and every
 * message already says who each member is; there is no hello exchange to race with views.
 *
 * <h2>Driving the core</h2>
 * One decider: the core. JGroups' {@link #viewAccepted} becomes a {@link View} (the view id, the
 * members' node ids in JGroups order, merge or not) for {@link ClusterNode#onViewChange}; each
 * message received becomes {@link ClusterNode#onMessage}; every {@link #TICK_MILLIS} the core
 * gets {@link ClusterNode#onTick}. All three run on the cluster thread, in the order they
 * arrived, with the node lock held: the event loops check {@link ClusterNode#canWrite} and the
 * data plane reports offsets under that same lock, so they are atomic with the core's decisions.
 * The outputs are carried out in order: {@code Send} over the channel (after the lock is
 * released, as a send may wait for flow control; {@code to == null} goes to every member with
 * DONT_LOOPBACK), {@code TopologyChanged} publishes the {@link SlotTable} of the new topology
 * (its epoch is what CLUSTER INFO and CLUSTER NODES print), {@code SlotRoleChanged} goes to the
 * {@link SlotDataPlane}, then its {@code topologyChanged}, and {@code Left} completes a graceful
 * {@link #leave}.
 *
 * <p>With no data plane ({@link SlotDataPlane#NONE}) nothing is replicated: a slot this node is
 * no longer primary of loses its keys here (so a stale copy never comes back), and a migration
 * target is reported in sync at once, so slots still move (empty) on joins and leaves.
 */
public final class ClusterService implements Receiver {
  private static final Logger log = LoggerFactory.getLogger("corvid");
  public static final String CLUSTER_NAME = "corvid";
  /** A node with no reachable seed waits this long for others before it forms a cluster of one. */
  public static final long JOIN_TIMEOUT_MILLIS = 1_000;
  /** MERGE3 looks for other partitions every 1..3 s, so a healed partition merges within seconds. */
  public static final long MERGE_MIN_INTERVAL_MILLIS = 1_000;
  public static final long MERGE_MAX_INTERVAL_MILLIS = 3_000;
  /** Heartbeats go out every quarter of cluster-node-timeout, but not more often than this. */
  public static final long MIN_HEARTBEAT_INTERVAL_MILLIS = 100;
  /** The core's clock tick (retries, migration pauses, batched decisions). */
  public static final long TICK_MILLIS = 100;
  /** Keys of a slot no longer served here are deleted this many per hold of the node lock. */
  public static final int DROP_KEYS_PER_LOCK = 1_000;
  /** Key of the member announcement in the JGroups address. */
  private static final String MEMBER_KEY = "corvid-member";

  private final ServerConfig config;
  private final ClusterState state;
  private final Node node;
  private final ReentrantLock lock;
  private final ClusterMember self;
  private final Member selfMember;
  private ClusterNode core;
  private final InetAddress bindAddress;
  private final ScheduledExecutorService thread;
  private final CompletableFuture<Long> left = new CompletableFuture<>();
  private SlotDataPlane dataPlane = SlotDataPlane.NONE;
  /** JGroups addresses of the members of the views seen (cluster thread only). */
  private final Map<NodeId, Address> addresses = new HashMap<>();
  private final Map<Address, NodeId> ids = new HashMap<>();
  /** The topology the data plane was last told of (read by {@link Control#topology}). */
  private volatile Topology topology;
  /** Slots that lost their data here with no data plane: dropped after the lock is released. */
  private final BitSet toDrop = new BitSet(SlotHash.SLOT_COUNT);
  private JChannel channel;
  private volatile boolean stopped;

  /**
   * @param clientPort the port this node's clients use (the bound one when --port 0)
   * @param bindHost the first bind address
   */
  public ClusterService(Node node, int clientPort, String bindHost) {
    this.node = node;
    this.lock = node.lock();
    this.config = node.config();
    this.state = node.cluster();
    byte[] id = new byte[20];
    new SecureRandom().nextBytes(id);
    String wildcardFree = bindHost.equals("*") ? "0.0.0.0" : bindHost;
    try {
      this.bindAddress = InetAddress.getByName(wildcardFree);
    } catch (IOException e) {
      throw new UncheckedIOException("cluster bind address " + bindHost, e);
    }
    String announce = config.clusterAnnounceIp();
    if (announce.isEmpty()) {
      announce = bindAddress.isAnyLocalAddress() ? "127.0.0.1" : bindAddress.getHostAddress();
    }
    this.self = new ClusterMember(HexFormat.of().formatHex(id), announce, clientPort, config.clusterBusPort(clientPort));
    this.selfMember = toMember(self);
    this.topology = io.corvid.cluster.Topology.empty(config.clusterReplicas());
    state.setSelf(self);
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "corvid-cluster");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * The core's settings from the server's cluster-* options. With no data plane a migration moves
   * nothing, so every slot may move at once (the core's per-node limit bounds concurrent streams).
   */
  static ClusterConfig coreConfig(ServerConfig c, boolean dataPlane) {
    ClusterConfig d = ClusterConfig.defaults();
    return new ClusterConfig(c.clusterReplicas(), dataPlane ? d.maxMigrationsPerNode() : SlotHash.SLOT_COUNT,
        d.migrationPauseLagOps(), c.clusterMinorityTimeoutMillis(), c.clusterMinorityReads(), d.retryIntervalMillis(),
        d.bootstrapMinMembers());
  }

  public ClusterMember self() {
    return self;
  }

  /**
   * The data plane that replicates and migrates slots (replaces {@link SlotDataPlane#NONE}); set
   * it before {@link #start}.
   */
  public void setDataPlane(SlotDataPlane plane) {
    if (channel != null) {
      throw new IllegalStateException("set the data plane before the cluster service starts");
    }
    this.dataPlane = plane == null ? SlotDataPlane.NONE : plane;
  }

  /** Joins the cluster (or forms a cluster of one when no seed answers); returns once a member. */
  public void start() throws Exception {
    boolean replicating = dataPlane != SlotDataPlane.NONE;
    core = new ClusterNode(coreConfig(config, replicating), selfMember, new SecureRandom().nextLong());
    lock.lock();
    try {
      state.install(core, SlotTable.empty());
    } finally {
      lock.unlock();
    }
    state.setReplicasServeData(replicating);
    dataPlane.start(new Control());
    List<InetSocketAddress> seeds = new ArrayList<>();
    for (ClusterSeed s : config.clusterSeeds()) {
      seeds.add(new InetSocketAddress(s.host(), s.busPort()));
    }
    long nodeTimeout = config.clusterNodeTimeoutMillis();
    TCP tcp = new TCP();
    tcp.setBindAddress(bindAddress);
    tcp.setBindPort(self.busPort());
    tcp.setPortRange(0);
    if (bindAddress.isAnyLocalAddress()) {
      tcp.setExternalAddr(InetAddress.getByName(self.host()));
    }
    TCPPING ping = new TCPPING();
    ping.setInitialHosts(seeds);
    ping.setPortRange(0);
    List<Protocol> stack = List.of(
        tcp,
        ping,
        new MERGE3().setMinInterval(MERGE_MIN_INTERVAL_MILLIS).setMaxInterval(MERGE_MAX_INTERVAL_MILLIS),
        new FD_SOCK2().setBindAddress(bindAddress),
        new FD_ALL3().setTimeout(nodeTimeout).setInterval(Math.max(MIN_HEARTBEAT_INTERVAL_MILLIS, nodeTimeout / 4)),
        new VERIFY_SUSPECT2().setTimeout(config.clusterSuspectTimeoutMillis()),
        new NAKACK2().useMcastXmit(false),
        new UNICAST3(),
        new STABLE(),
        new GMS().setJoinTimeout(JOIN_TIMEOUT_MILLIS).printLocalAddress(false),
        new MFC(),
        new UFC(),
        new FRAG4());
    channel = new JChannel(stack);
    channel.addAddressGenerator(() -> {
      ExtendedUUID a = ExtendedUUID.randomUUID(self.nodeId().substring(0, 8));
      a.put(MEMBER_KEY, encode(self));
      return a;
    });
    channel.name(self.nodeId().substring(0, 8));
    channel.setReceiver(this);
    channel.connect(CLUSTER_NAME);
    thread.scheduleWithFixedDelay(() -> step("tick", core::onTick), TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    log.info("Cluster bus listening on {}:{} (node id {}, seeds {})", bindAddress.getHostAddress(), self.busPort(),
        self.nodeId(), seeds.isEmpty() ? "none" : config.clusterSeeds());
  }

  @Override
  public void viewAccepted(org.jgroups.View view) {
    thread.execute(() -> onView(view));
  }

  @Override
  public void receive(Message msg) {
    Address src = msg.getSrc();
    byte[] bytes = msg.getArray();
    int off = msg.getOffset();
    int len = msg.getLength();
    byte[] payload = off == 0 && len == bytes.length ? bytes : java.util.Arrays.copyOfRange(bytes, off, off + len);
    thread.execute(() -> onMessage(src, payload));
  }

  /** On the cluster thread. */
  private void onView(org.jgroups.View view) {
    List<NodeId> ids = new ArrayList<>();
    StringBuilder who = new StringBuilder();
    for (Address a : view.getMembers()) {
      ClusterMember m = a instanceof ExtendedUUID e ? decode(e.get(MEMBER_KEY)) : null;
      if (m == null) {
        log.warn("Cluster member {} does not announce itself as a Corvid node; ignored", a);
        continue;
      }
      NodeId id = NodeId.of(m.nodeId());
      addresses.put(id, a);
      this.ids.put(a, id);
      ids.add(id);
      who.append(who.isEmpty() ? "" : ", ").append(m.host()).append(':').append(m.port());
    }
    if (ids.isEmpty()) {
      return;
    }
    View v = new View(view.getViewId().getId(), ids, view instanceof MergeView);
    log.info("Cluster view {}: {} node(s) [{}]{}", v.id(), ids.size(), who, v.merge() ? " (merged partitions)" : "");
    step("view", now -> core.onViewChange(v, now));
  }

  /** On the cluster thread. */
  private void onMessage(Address src, byte[] payload) {
    NodeId from = ids.get(src);
    if (from == null && src instanceof ExtendedUUID e) {
      ClusterMember m = decode(e.get(MEMBER_KEY));
      if (m != null) {
        from = NodeId.of(m.nodeId());
      }
    }
    if (from == null) {
      log.debug("Cluster message from {} who does not announce itself; dropped", src);
      return;
    }
    state.countReceived();
    NodeId sender = from;
    step("message", now -> {
      try {
        return core.onMessage(sender, payload, now);
      } catch (IllegalArgumentException bad) {
        log.warn("Malformed cluster message from {} ({} bytes): {}", sender.shortId(), payload.length, bad.getMessage());
        return List.of();
      }
    });
  }

  /**
   * Runs one step of the core with the node lock held and carries out its outputs: topology and
   * role changes under the lock, messages after it. On the cluster thread only.
   */
  private void step(String what, LongFunction<List<Output>> input) {
    if (stopped) {
      return;
    }
    List<Output.Send> sends = new ArrayList<>();
    Output.Left leftNow = null;
    lock.lock();
    try {
      List<Output> out = input.apply(nowMillis());
      Output.TopologyChanged pending = null;
      for (Output o : out) {
        switch (o) {
          case Output.Send s -> sends.add(s);
          case Output.TopologyChanged t -> {
            if (pending != null) {
              dataPlane.topologyChanged(pending.previous(), pending.current());
            }
            pending = t;
            applyTopology(t.previous(), t.current());
          }
          case Output.SlotRoleChanged r -> roleChanged(r);
          case Output.Left l -> leftNow = l;
        }
      }
      if (pending != null) {
        dataPlane.topologyChanged(pending.previous(), pending.current());
        if (dataPlane == SlotDataPlane.NONE) {
          syncMigrationTargetsAtOnce(pending.current());
        }
      }
    } catch (RuntimeException e) {
      log.error("Cluster {} failed", what, e);
    } finally {
      lock.unlock();
    }
    for (Output.Send s : sends) {
      send(s);
    }
    dropPendingSlots();
    if (leftNow != null) {
      log.info("Left the cluster: every slot handed over (epoch {})", leftNow.epoch());
      left.complete(leftNow.epoch());
    }
  }

  private static long nowMillis() {
    return System.nanoTime() / 1_000_000;
  }

  /** With the lock held: the new topology's table goes to the request path. */
  private void applyTopology(Topology previous, Topology current) {
    topology = current;
    SlotTable table = SlotTable.of(current, self.nodeId());
    state.publish(table);
    int self = table.self();
    // Every membership change and every settled topology at INFO; migration waves at DEBUG.
    boolean notable = previous.members().size() != current.members().size() || current.migrationCount() == 0;
    if (!notable && !log.isDebugEnabled()) {
      return;
    }
    (notable ? log.atInfo() : log.atDebug()).log("Cluster epoch {}: {} node(s), {} slot(s) primary here, {} replicated here, {} migrating",
        current.epoch(), current.members().size(), self == SlotTable.NO_NODE ? 0 : table.primarySlotCount(self),
        current.contains(selfMember.id()) ? current.copiesOf(selfMember.id()).length
            - current.slotsOf(selfMember.id()).length : 0,
        current.migrationCount());
  }

  /** With the lock held. */
  private void roleChanged(Output.SlotRoleChanged r) {
    Member primary = r.primary() == null ? null : topology.member(r.primary());
    dataPlane.slotRoleChanged(r.slot(), r.before(), r.after(), primary);
    if (dataPlane == SlotDataPlane.NONE) {
      if (r.after() == SlotRole.PRIMARY) {
        core.recordLocalOffset(r.slot(), 0);
      } else if (r.before() == SlotRole.PRIMARY) {
        toDrop.set(r.slot());
      }
    }
  }

  /**
   * No data plane: nothing to stream, so every migration this node leads is reported in sync at
   * once (the slot moves empty, as it did before replication). With the lock held.
   */
  private void syncMigrationTargetsAtOnce(Topology t) {
    if (t.migrationCount() == 0) {
      return;
    }
    for (Migration m : t.migrations()) {
      if (core.role(m.slot()) == SlotRole.PRIMARY) {
        core.onReplicaAck(m.slot(), m.to(), Math.max(0, core.localOffset(m.slot())));
      }
    }
  }

  private void send(Output.Send s) {
    JChannel ch = channel;
    if (ch == null || stopped) {
      return;
    }
    try {
      byte[] payload = s.payload();
      if (s.to() == null) {
        ch.send(new BytesMessage(null, payload).setFlag(Message.TransientFlag.DONT_LOOPBACK));
      } else {
        Address a = addresses.get(s.to());
        if (a == null) {
          log.debug("No address for cluster member {}; message dropped", s.to().shortId());
          return;
        }
        ch.send(new BytesMessage(a, payload));
      }
      state.countSent();
    } catch (Exception e) {
      log.warn("Cluster message to {} not sent: {}", s.to() == null ? "all" : s.to().shortId(), e.toString());
    }
  }

  /**
   * No data plane: deletes the keys of every slot this node stopped being primary of. Without
   * replication a node that is not a slot's primary cannot keep its copy current, and a stale copy
   * must not come back if the slot returns here later (Redis deletes the keys of slots it loses
   * too). On the cluster thread, {@link #DROP_KEYS_PER_LOCK} keys per hold of the node lock so
   * clients are served in between; commands see the new table before the first key goes, and no
   * other core step runs until the drop is done.
   */
  private void dropPendingSlots() {
    if (toDrop.isEmpty()) {
      return;
    }
    int slots = 0;
    long keys = 0;
    for (int slot = toDrop.nextSetBit(0); slot >= 0; slot = toDrop.nextSetBit(slot + 1)) {
      slots++;
      while (true) {
        int n;
        lock.lock();
        try {
          n = core.role(slot) == SlotRole.PRIMARY ? 0 : node.keyspace().dropSlot(slot, DROP_KEYS_PER_LOCK);
        } finally {
          lock.unlock();
        }
        if (n == 0) {
          break;
        }
        keys += n;
      }
    }
    toDrop.clear();
    if (keys > 0) {
      log.info("Deleted {} key(s) of {} slot(s) no longer served here", keys, slots);
    }
  }

  // ------------------------------------------------------------------------------ leaving

  /**
   * Graceful leave: asks the core to hand this node's slots over, and waits at most
   * {@code timeoutMillis} for the cluster to let it go ({@code Left}). Returns whether it did.
   * The node keeps serving its slots meanwhile (writes to a slot pause only for its switch).
   */
  public boolean leave(long timeoutMillis) throws InterruptedException {
    if (channel == null || stopped) {
      return false;
    }
    View view;
    lock.lock();
    try {
      view = core.view();
    } finally {
      lock.unlock();
    }
    if (view == null || view.members().size() == 1) {
      log.info("Leaving the cluster: no other node to hand the slots over to");
      return false;
    }
    log.info("Leaving the cluster: handing {} slot(s) over (waiting at most {} ms)",
        topology.contains(selfMember.id()) ? topology.copiesOf(selfMember.id()).length : 0, timeoutMillis);
    thread.execute(() -> step("leave", core::leave));
    try {
      left.get(timeoutMillis, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      log.warn("The cluster did not let this node go within {} ms (cluster-leave-timeout); stopping anyway", timeoutMillis);
      return false;
    } catch (ExecutionException e) {
      return false;
    }
  }

  /** Whether a graceful leave was asked for. */
  public boolean isLeaving() {
    if (core == null) {
      return false;
    }
    lock.lock();
    try {
      return core.isLeaving();
    } finally {
      lock.unlock();
    }
  }

  /** Disconnects from the cluster (the others see the view change at once) and stops the cluster thread. */
  public void stop() {
    stopped = true;
    if (channel != null) {
      channel.close();
    }
    thread.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    dataPlane.stop();
  }

  // ------------------------------------------------------------------------- data plane seam

  /** What the data plane reports to the core. */
  private final class Control implements SlotDataPlane.ControlPlane {
    @Override
    public void localOffset(int slot, long offset) {
      lock.lock(); // reentrant: the data plane already holds it when it applies a write
      try {
        core.recordLocalOffset(slot, offset);
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void replicaAck(int slot, NodeId replica, long offset) {
      lock.lock();
      try {
        core.onReplicaAck(slot, replica, offset);
      } finally {
        lock.unlock();
      }
    }

    @Override
    public Topology topology() {
      return topology;
    }

    @Override
    public Member self() {
      return selfMember;
    }
  }

  static Member toMember(ClusterMember m) {
    return new Member(NodeId.of(m.nodeId()), m.host(), m.port(), m.busPort());
  }

  static byte[] encode(ClusterMember m) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(m.nodeId());
      out.writeUTF(m.host());
      out.writeInt(m.port());
      out.writeInt(m.busPort());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static ClusterMember decode(byte[] b) {
    if (b == null) {
      return null;
    }
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(b))) {
      return new ClusterMember(in.readUTF(), in.readUTF(), in.readInt(), in.readInt());
    } catch (IOException e) {
      log.warn("Malformed member announcement ({} bytes): {}", b.length, e.toString());
      return null;
    }
  }

}
