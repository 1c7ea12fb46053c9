package io.corvid.server.cluster;

import io.corvid.cluster.Member;
import io.corvid.cluster.NodeId;
import io.corvid.cluster.Placement;
import io.corvid.cluster.Topology;
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
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.Receiver;
import org.jgroups.View;
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
 * The cluster's I/O: a JGroups channel on the cluster bus port for membership and failure
 * detection, and one thread ("corvid-cluster") on which every cluster decision runs.
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
 * {@link ClusterMember} (node id, client host and port, bus port), so every view already says who
 * each member is and where clients reach it; there is no hello exchange to race with views.
 *
 * <h2>Threads</h2>
 * JGroups calls {@link #viewAccepted} on its own threads; the view is handed to the cluster
 * thread, which computes the new {@link SlotTable} and publishes it (volatile) in {@link
 * ClusterState}. Event loops only ever read that immutable table.
 *
 * <p>Until the cluster core's state machine (corvid-cluster's ClusterNode) is wired in, the
 * topology is a function of the view: the core's {@link Placement} (weighted rendezvous hashing
 * and exact balancing) of the view's members, with the JGroups view id as its epoch. Every member
 * computes the same one. Nothing migrates or replicates data yet: a slot that changes owner starts
 * empty on its new owner.
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
  /** Keys of a slot no longer served here are deleted this many per hold of the node lock. */
  public static final int DROP_KEYS_PER_LOCK = 1_000;
  /** Key of the member announcement in the JGroups address. */
  private static final String MEMBER_KEY = "corvid-member";

  private final ServerConfig config;
  private final ClusterState state;
  private final Node node;
  private final ClusterMember self;
  private final InetAddress bindAddress;
  private final ExecutorService thread;
  private JChannel channel;
  /** Interim data-plane hook (replication), until the control plane drives it with ClusterNode's role events. */
  private volatile SlotDataPlane dataPlane = SlotDataPlane.NONE;
  private volatile Topology topology;

  /**
   * @param clientPort the port this node's clients use (the bound one when --port 0)
   * @param bindHost the first bind address
   */
  public ClusterService(Node node, int clientPort, String bindHost) {
    this.node = node;
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
    state.setSelf(self);
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "corvid-cluster");
      t.setDaemon(true);
      return t;
    });
  }

  public ClusterMember self() {
    return self;
  }

  /** The data plane to drive (before {@link #start}); {@link SlotDataPlane#NONE} by default. */
  public void dataPlane(SlotDataPlane plane) {
    this.dataPlane = plane;
  }

  /** Joins the cluster (or forms a cluster of one when no seed answers); returns once a member. */
  public void start() throws Exception {
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
    topology = Topology.empty(config.clusterReplicas());
    Member me = new Member(NodeId.of(self.nodeId()), self.host(), self.port(), self.busPort());
    dataPlane.start(new SlotDataPlane.ControlPlane() {
      @Override public void localOffset(int slot, long offset) {}
      @Override public void replicaAck(int slot, NodeId replica, long offset) {}
      @Override public Topology topology() { return topology; }
      @Override public Member self() { return me; }
    });
    channel = new JChannel(stack);
    channel.addAddressGenerator(() -> {
      ExtendedUUID a = ExtendedUUID.randomUUID(self.nodeId().substring(0, 8));
      a.put(MEMBER_KEY, encode(self));
      return a;
    });
    channel.name(self.nodeId().substring(0, 8));
    channel.setReceiver(this);
    channel.connect(CLUSTER_NAME);
    log.info("Cluster bus listening on {}:{} (node id {}, seeds {})", bindAddress.getHostAddress(), self.busPort(),
        self.nodeId(), seeds.isEmpty() ? "none" : config.clusterSeeds());
  }

  @Override
  public void viewAccepted(View view) {
    thread.execute(() -> onView(view));
  }

  /** On the cluster thread. */
  private void onView(View view) {
    List<Member> members = new ArrayList<>();
    for (Address a : view.getMembers()) {
      ClusterMember m = a instanceof ExtendedUUID e ? decode(e.get(MEMBER_KEY)) : null;
      if (m == null) {
        log.warn("Cluster member {} does not announce itself as a Corvid node; ignored", a);
        continue;
      }
      members.add(new Member(NodeId.of(m.nodeId()), m.host(), m.port(), m.busPort()));
    }
    // Interim, until the core's state machine (ClusterNode) decides: every member computes the
    // same placement from the same view, with the view id (assigned by the JGroups coordinator)
    // as the epoch. No previous layout is passed, since members may have seen different histories.
    Topology topology = Placement.place(view.getViewId().getId(), members, config.clusterReplicas(), null);
    SlotTable table = SlotTable.of(topology, self.nodeId());
    int selfIndex = table.self();
    SlotTable previous = state.table();
    state.publish(table);
    StringBuilder who = new StringBuilder();
    for (ClusterMember m : table.members()) {
      who.append(who.isEmpty() ? "" : ", ").append(m.host()).append(':').append(m.port());
    }
    log.info("Cluster view: {} node(s) [{}], coordinator {}, epoch {}, {} slot(s) primary here", members.size(), who,
        view.getCoord(),
        table.epoch(), selfIndex == SlotTable.NO_NODE ? 0 : table.primarySlotCount(selfIndex));
    Topology before = this.topology;
    this.topology = topology;
    node.lock().lock();
    try {
      io.corvid.server.replication.TopologyRoles.notify(dataPlane, before, topology, NodeId.of(self.nodeId()));
      dataPlane.topologyChanged(before, topology);
    } finally {
      node.lock().unlock();
    }
    dropSlotsNoLongerServed(previous, table);
  }

  /**
   * Deletes the keys of every slot this node was primary of and is not any more. Without
   * replication and migration a node that is not a slot's primary has no way to keep its copy
   * current, and a stale copy must not come back if the slot returns here later (Redis deletes
   * the keys of slots it loses too). Runs on the cluster thread, taking the node lock for
   * {@link #DROP_KEYS_PER_LOCK} keys at a time so clients are served in between; commands see the
   * new table before the first key goes.
   */
  private void dropSlotsNoLongerServed(SlotTable before, SlotTable after) {
    if (before.self() == SlotTable.NO_NODE) {
      return;
    }
    int slots = 0;
    long keys = 0;
    for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
      if (before.primaryOf(slot) == before.self() && after.primaryOf(slot) != after.self() && !after.isLocalReplica(slot)) {
        slots++;
        keys += dropSlot(slot);
      }
    }
    if (slots > 0) {
      log.info("Deleted {} key(s) of {} slot(s) no longer served here", keys, slots);
    }
  }

  private long dropSlot(int slot) {
    long dropped = 0;
    while (true) {
      int n;
      node.lock().lock();
      try {
        n = node.keyspace().dropSlot(slot, DROP_KEYS_PER_LOCK);
      } finally {
        node.lock().unlock();
      }
      if (n == 0) {
        return dropped;
      }
      dropped += n;
    }
  }

  /** Leaves the cluster (the others see the view change at once) and stops the cluster thread. */
  public void stop() {
    if (channel != null) {
      channel.close();
    }
    thread.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
