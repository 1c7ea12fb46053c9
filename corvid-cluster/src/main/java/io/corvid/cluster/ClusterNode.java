package io.corvid.cluster;

import static io.corvid.common.SlotHash.SLOT_COUNT;

import io.corvid.cluster.ClusterMessage.Commit;
import io.corvid.cluster.ClusterMessage.LeaveRequest;
import io.corvid.cluster.ClusterMessage.MigrationReady;
import io.corvid.cluster.ClusterMessage.Prepare;
import io.corvid.cluster.ClusterMessage.Promise;
import io.corvid.cluster.ClusterMessage.StateReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One node's cluster brain: a state machine driven by view changes, messages and ticks, with no
 * I/O, threads or clock of its own. Not thread-safe: the adapter calls it from one thread (or
 * under one lock), and checks {@link #canWrite} and reports the resulting
 * {@link #recordLocalOffset} under that same lock.
 *
 * <h2>Decisions: one decider, unique epochs</h2>
 * The coordinator of the current JGroups view decides every new topology. On a view change every
 * member sends it a {@link StateReport} (its applied topology, the highest epoch it promised, its
 * per-slot replication offsets, whether it is leaving). With every report in, the coordinator
 * adopts the newest applied topology among them (it was committed) and, if its view holds a
 * majority of that topology's members, decides the next one:
 * <ol>
 *   <li>epoch = 1 + the highest epoch any reporter applied or promised;
 *   <li><b>Prepare</b>(epoch) to the view; each node promises, if it promised nothing higher;
 *   <li>once a majority of the base topology's members promised, <b>Commit</b>(topology) to all.
 * </ol>
 * A node applies a committed topology only if its epoch is higher than the one it has. Because a
 * commit needs promises from a majority of the base's members and a later decider needs a
 * majority of them in its view and hears from all of them, two decisions never share an epoch,
 * even across a partition or a coordinator crash in the middle of a round. A minority side
 * decides nothing.
 *
 * <h2>What a decision contains</h2>
 * Failover (owners that left the view are removed; a dead primary's slot goes to its live owner
 * with the highest reported offset), migration switches reported ready, new replicas where copies
 * are missing (immediately), dropped extras, and then, towards the {@link Placement} target, at
 * most one migration per slot and {@link ClusterConfig#maxMigrationsPerNode()} per node.
 *
 * <h2>Migration (two phases)</h2>
 * The slot's primary streams it (snapshot, then live writes) to the migration target. When the
 * target's acked offset is within {@link ClusterConfig#migrationPauseLagOps()}, the primary pauses
 * writes to the slot ({@link #canWrite} false: -TRYAGAIN), and when the target has acked the last
 * write it tells the coordinator, which switches the owner in the next epoch. The pause ends when
 * the primary applies a topology without that migration.
 *
 * <h2>Split brain</h2>
 * A node whose view holds no majority of its topology's members stops taking writes
 * {@link ClusterConfig#minorityWriteTimeoutMillis()} after that view arrived. On heal (merge
 * view) the majority's topology has the higher epoch and wins.
 */
public final class ClusterNode {
  /** Deliberately broken rules, for proving that the simulator catches violations. Tests only. */
  enum BrokenRule {
    NONE,
    /** Coordinators decide even in a minority view (split brain: duplicate epochs). */
    DECIDE_IN_MINORITY,
    /** Failover promotes the least up-to-date replica (acknowledged writes get lost). */
    PROMOTE_LEAST_UP_TO_DATE
  }

  private static final long NEVER = Long.MIN_VALUE / 4;
  private static final SlotRole[] ROLES = SlotRole.values();
  /** Reports kept for a view not installed yet; one per member of a maximal cluster. */
  static final int MAX_EARLY_REPORTS = Topology.MAX_MEMBERS;

  private final ClusterConfig config;
  private final Member self;
  private final NodeId id;
  private BrokenRule broken = BrokenRule.NONE;

  private Topology applied;
  private long promisedEpoch;
  private View view;
  private boolean minority;
  private long minoritySince = NEVER;
  private boolean leaving;
  private long leaveSentAt = NEVER;

  private final long[] localOffset = new long[SLOT_COUNT];
  private final Map<NodeId, long[]> acks = new HashMap<>();
  private byte[] roles = new byte[SLOT_COUNT];
  private final BitSet migratingAsPrimary = new BitSet(SLOT_COUNT);
  private final BitSet paused = new BitSet(SLOT_COUNT);
  private final NodeId[] pausedFor = new NodeId[SLOT_COUNT];
  private final long[] readySentAt = new long[SLOT_COUNT];

  // Coordinator state, for the current view only.
  private final Map<NodeId, StateReport> reports = new HashMap<>();
  /** Reports for a view this node has not installed yet (a member installed it first). */
  private final List<StateReport> earlyReports = new ArrayList<>();
  private final Map<NodeId, long[]> reportedOffsets = new HashMap<>();
  private boolean collected;
  private final Set<NodeId> leavingNodes = new TreeSet<>();
  private final Map<Integer, NodeId> readySlots = new TreeMap<>();
  private long highestEpochKnown;
  private Round round;
  private boolean decisionPending;
  private Topology target;
  private List<Member> targetKey;

  private record Round(long viewId, long epoch, Topology proposal, Set<NodeId> baseMembers,
      Set<NodeId> granted, int needed) {}

  /**
   * @param seed reserved for decisions that need randomness (none do today); the core draws no
   *     other randomness
   */
  public ClusterNode(ClusterConfig config, Member self, long seed) {
    this.config = config;
    this.self = self;
    this.id = self.id();
    this.applied = Topology.empty(config.replicaCount());
    Arrays.fill(localOffset, -1);
    Arrays.fill(roles, (byte) SlotRole.NONE.ordinal());
    Arrays.fill(readySentAt, NEVER);
  }

  void breakRuleForTest(BrokenRule rule) {
    this.broken = rule;
  }

  // ---------------------------------------------------------------------------------- queries

  public NodeId id() {
    return id;
  }

  public Member self() {
    return self;
  }

  public ClusterConfig config() {
    return config;
  }

  /** The newest topology this node applied. */
  public Topology topology() {
    return applied;
  }

  public View view() {
    return view;
  }

  public SlotRole role(int slot) {
    return ROLES[roles[slot]];
  }

  public boolean isCoordinator() {
    return view != null && view.coordinator().equals(id);
  }

  /** Whether the current view holds fewer than a majority of the topology's members. */
  public boolean inMinority() {
    return minority;
  }

  /** Whether this node may take a write to the slot now. */
  public boolean canWrite(int slot, long nowMillis) {
    return roles[slot] == SlotRole.PRIMARY.ordinal() && !paused.get(slot) && !minorityExpired(nowMillis);
  }

  /** Whether a migration switch pauses writes to the slot (answer -TRYAGAIN). */
  public boolean isPaused(int slot) {
    return paused.get(slot);
  }

  /** Whether this node may serve a read of the slot (a replica only after READONLY). */
  public boolean canRead(int slot, long nowMillis) {
    int r = roles[slot];
    boolean owner = r == SlotRole.PRIMARY.ordinal() || r == SlotRole.REPLICA.ordinal();
    return owner && (config.minorityReads() || !minorityExpired(nowMillis));
  }

  private boolean minorityExpired(long now) {
    return minority && now - minoritySince >= config.minorityWriteTimeoutMillis();
  }

  /** The offset this node applied for the slot, or -1 when it holds no data of it. */
  public long localOffset(int slot) {
    return localOffset[slot];
  }

  /** The offset the node acked for the slot's stream from this primary, or -1. */
  public long ackedOffset(int slot, NodeId replica) {
    long[] a = acks.get(replica);
    return a == null ? -1 : a[slot];
  }

  /** How many current replicas of the slot acked at least {@code offset} (for WAIT). */
  public int replicasAcked(int slot, long offset) {
    int n = 0;
    for (NodeId r : applied.replicas(slot)) {
      if (ackedOffset(slot, r) >= offset) {
        n++;
      }
    }
    return n;
  }

  // ----------------------------------------------------------------------------------- inputs

  /** A write was applied to the slot here (as primary or from the primary's stream). */
  public void recordLocalOffset(int slot, long offset) {
    localOffset[slot] = offset;
  }

  /** Primary: {@code replica} (or the migration target) acked the slot's stream up to offset. */
  public void onReplicaAck(int slot, NodeId replica, long offset) {
    long[] a = acks.computeIfAbsent(replica, k -> {
      long[] fresh = new long[SLOT_COUNT];
      Arrays.fill(fresh, -1);
      return fresh;
    });
    a[slot] = offset;
  }

  /** JGroups installed a new view (or merge view). */
  public List<Output> onViewChange(View newView, long nowMillis) {
    List<Output> out = new ArrayList<>();
    this.view = newView;
    round = null;
    reports.clear();
    reportedOffsets.clear();
    leavingNodes.clear();
    readySlots.clear();
    collected = false;
    decisionPending = false;
    updateMinority(nowMillis);
    Arrays.fill(readySentAt, NEVER);
    leaveSentAt = NEVER;
    deliver(newView.coordinator(), makeReport(), nowMillis, out);
    List<StateReport> early = new ArrayList<>(earlyReports);
    earlyReports.clear();
    for (StateReport r : early) {
      if (r.viewId() == newView.id()) {
        onReport(r, nowMillis, out);
      } else if (r.viewId() > newView.id()) {
        earlyReports.add(r);
      }
    }
    return out;
  }

  /** A message from another node, as bytes off the wire. */
  public List<Output> onMessage(NodeId from, byte[] bytes, long nowMillis) {
    return onMessage(from, ClusterMessage.decode(bytes), nowMillis);
  }

  /** A message from another node. */
  public List<Output> onMessage(NodeId from, ClusterMessage message, long nowMillis) {
    List<Output> out = new ArrayList<>();
    handle(from, message, nowMillis, out);
    return out;
  }

  /** Time passed; call every ~100 ms. Resends what was not answered, starts migration pauses. */
  public List<Output> onTick(long nowMillis) {
    List<Output> out = new ArrayList<>();
    if (view == null) {
      return out;
    }
    if (decisionPending && round == null) {
      decisionPending = false;
      maybeDecide(nowMillis, out);
    }
    List<Integer> ready = new ArrayList<>();
    for (int s = migratingAsPrimary.nextSetBit(0); s >= 0; s = migratingAsPrimary.nextSetBit(s + 1)) {
      Migration m = applied.migration(s);
      long local = Math.max(0, localOffset[s]);
      long acked = ackedOffset(s, m.to());
      if (!paused.get(s) && acked >= local - config.migrationPauseLagOps()) {
        paused.set(s);
        pausedFor[s] = m.to();
      }
      if (paused.get(s) && acked >= local && nowMillis - readySentAt[s] >= config.retryIntervalMillis()) {
        ready.add(s);
        readySentAt[s] = nowMillis;
      }
    }
    if (!ready.isEmpty()) {
      int[] slots = new int[ready.size()];
      NodeId[] targets = new NodeId[ready.size()];
      for (int i = 0; i < slots.length; i++) {
        slots[i] = ready.get(i);
        targets[i] = pausedFor[slots[i]];
      }
      deliver(view.coordinator(), new MigrationReady(applied.epoch(), slots, targets), nowMillis, out);
    }
    if (leaving && applied.contains(id) && nowMillis - leaveSentAt >= config.retryIntervalMillis()) {
      leaveSentAt = nowMillis;
      deliver(view.coordinator(), new LeaveRequest(id), nowMillis, out);
    }
    return out;
  }

  /** Graceful leave: the coordinator moves this node's slots away, then removes it. */
  public List<Output> leave(long nowMillis) {
    leaving = true;
    List<Output> out = new ArrayList<>();
    if (!applied.contains(id)) {
      out.add(new Output.Left(applied.epoch()));
      return out;
    }
    if (view != null) {
      leaveSentAt = nowMillis;
      deliver(view.coordinator(), new LeaveRequest(id), nowMillis, out);
    }
    return out;
  }

  public boolean isLeaving() {
    return leaving;
  }

  // ------------------------------------------------------------------------------- messaging

  private void deliver(NodeId to, ClusterMessage m, long now, List<Output> out) {
    if (to.equals(id)) {
      handle(id, m, now, out);
    } else {
      out.add(new Output.Send(to, m));
    }
  }

  private void broadcast(ClusterMessage m, long now, List<Output> out) {
    out.add(new Output.Send(null, m));
    handle(id, m, now, out);
  }

  private StateReport makeReport() {
    int n = 0;
    for (long o : localOffset) {
      if (o >= 0) {
        n++;
      }
    }
    int[] slots = new int[n];
    long[] offsets = new long[n];
    int i = 0;
    for (int s = 0; s < SLOT_COUNT; s++) {
      if (localOffset[s] >= 0) {
        slots[i] = s;
        offsets[i++] = localOffset[s];
      }
    }
    return new StateReport(view.id(), self, applied, promisedEpoch, leaving, slots, offsets);
  }

  private void handle(NodeId from, ClusterMessage m, long now, List<Output> out) {
    switch (m) {
      case StateReport r -> onReport(r, now, out);
      case Prepare p -> {
        if (view == null || p.viewId() != view.id()) {
          return;
        }
        long held = Math.max(promisedEpoch, applied.epoch());
        boolean granted = p.epoch() > held;
        if (granted) {
          promisedEpoch = p.epoch();
        }
        deliver(from, new Promise(p.viewId(), p.epoch(), granted, Math.max(promisedEpoch, applied.epoch())), now, out);
      }
      case Promise p -> onPromise(from, p, now, out);
      case Commit c -> {
        if (c.topology().epoch() > applied.epoch()) {
          apply(c.topology(), now, out);
        }
      }
      case MigrationReady r -> {
        if (!isCoordinator() || !collected) {
          return;
        }
        boolean added = false;
        for (int i = 0; i < r.slots().length; i++) {
          int s = r.slots()[i];
          Migration cur = applied.migration(s);
          if (cur != null && cur.to().equals(r.targets()[i]) && from.equals(applied.primary(s))) {
            added |= readySlots.put(s, cur.to()) == null;
          }
        }
        decisionPending |= added; // decided on the next tick: one decision per batch of switches
      }
      case LeaveRequest l -> {
        if (isCoordinator() && collected && view.contains(l.node()) && leavingNodes.add(l.node())) {
          decisionPending = true;
        }
      }
    }
  }

  // ---------------------------------------------------------------------------- coordinator

  private void onReport(StateReport r, long now, List<Output> out) {
    if (view == null || r.viewId() > view.id()) {
      if (earlyReports.size() < MAX_EARLY_REPORTS) {
        earlyReports.add(r);
      }
      return;
    }
    if (!isCoordinator() || r.viewId() != view.id() || !view.contains(r.member().id())) {
      return;
    }
    reports.put(r.member().id(), r);
    if (collected) {
      return;
    }
    for (NodeId member : view.members()) {
      if (!reports.containsKey(member)) {
        return;
      }
    }
    collected = true;
    StateReport newest = null;
    for (NodeId member : view.members()) {
      StateReport rep = reports.get(member);
      highestEpochKnown = Math.max(highestEpochKnown, Math.max(rep.promisedEpoch(), rep.applied().epoch()));
      if (rep.leaving()) {
        leavingNodes.add(member);
      }
      long[] offsets = new long[SLOT_COUNT];
      Arrays.fill(offsets, -1);
      for (int i = 0; i < rep.slots().length; i++) {
        offsets[rep.slots()[i]] = rep.offsets()[i];
      }
      reportedOffsets.put(member, offsets);
      if (newest == null || rep.applied().epoch() > newest.applied().epoch()) {
        newest = rep;
      }
    }
    if (newest.applied().epoch() > applied.epoch()) {
      apply(newest.applied(), now, out); // committed elsewhere: adopt it
    }
    for (NodeId member : view.members()) {
      if (!member.equals(id) && reports.get(member).applied().epoch() < applied.epoch()) {
        out.add(new Output.Send(member, new Commit(applied)));
      }
    }
    maybeDecide(now, out);
  }

  private boolean viewHoldsMajorityOf(Topology t) {
    if (t.isEmpty()) {
      return view.members().size() >= config.bootstrapMinMembers();
    }
    int present = 0;
    for (Member m : t.members()) {
      if (view.contains(m.id())) {
        present++;
      }
    }
    return present * 2 > t.members().size();
  }

  private void maybeDecide(long now, List<Output> out) {
    if (!isCoordinator() || !collected || round != null) {
      return;
    }
    if (!viewHoldsMajorityOf(applied) && broken != BrokenRule.DECIDE_IN_MINORITY) {
      return;
    }
    long epoch = Math.max(highestEpochKnown, Math.max(promisedEpoch, applied.epoch())) + 1;
    Topology proposal = computeNext(epoch);
    if (proposal == null) {
      return;
    }
    Set<NodeId> base = new HashSet<>();
    for (Member m : applied.members()) {
      base.add(m.id());
    }
    if (base.isEmpty()) {
      base.addAll(view.members());
    }
    int needed = base.size() / 2 + 1;
    if (broken == BrokenRule.DECIDE_IN_MINORITY) {
      needed = (int) base.stream().filter(view::contains).count();
    }
    round = new Round(view.id(), epoch, proposal, base, new HashSet<>(), needed);
    broadcast(new Prepare(view.id(), epoch), now, out);
  }

  private void onPromise(NodeId from, Promise p, long now, List<Output> out) {
    Round r = round;
    if (r == null || p.viewId() != r.viewId() || p.epoch() != r.epoch()) {
      return;
    }
    if (!p.granted()) {
      highestEpochKnown = Math.max(highestEpochKnown, p.promisedEpoch());
      round = null;
      maybeDecide(now, out);
      return;
    }
    if (r.baseMembers().contains(from)) {
      r.granted().add(from);
    }
    if (r.granted().size() >= r.needed()) {
      round = null;
      highestEpochKnown = Math.max(highestEpochKnown, r.epoch());
      broadcast(new Commit(r.proposal()), now, out);
    }
  }

  /**
   * The next topology, or null when nothing would change. Works on member-index arrays (indexes
   * into the sorted live members) so that a decision costs a few passes over the slots.
   */
  private Topology computeNext(long epoch) {
    Topology cur = applied;
    List<Member> live = new ArrayList<>();
    for (StateReport r : reports.values()) {
      live.add(r.member());
    }
    live.sort((x, y) -> x.id().compareTo(y.id()));
    int n = live.size();
    Map<NodeId, Integer> idx = new HashMap<>();
    for (int i = 0; i < n; i++) {
      idx.put(live.get(i).id(), i);
    }
    int[] fromCur = new int[cur.members().size()];
    for (int x = 0; x < fromCur.length; x++) {
      fromCur[x] = idx.getOrDefault(cur.members().get(x).id(), -1);
    }
    long[][] offsets = new long[n][];
    for (int i = 0; i < n; i++) {
      offsets[i] = reportedOffsets.get(live.get(i).id());
    }
    int stride = config.replicaCount() + 1;
    int curStride = cur.replicaCount() + 1;
    int[] own = new int[SLOT_COUNT * stride];
    int[] migFrom = new int[SLOT_COUNT];
    int[] migTo = new int[SLOT_COUNT];
    int[] ready = new int[SLOT_COUNT];
    Arrays.fill(own, -1);
    Arrays.fill(migFrom, -1);
    Arrays.fill(migTo, -1);
    Arrays.fill(ready, -1);
    for (Map.Entry<Integer, NodeId> e : readySlots.entrySet()) {
      ready[e.getKey()] = idx.getOrDefault(e.getValue(), -1);
    }
    readySlots.clear();

    // 1. Failover, dead owners and migrations, switches.
    int[] slotOwners = new int[Math.max(stride, curStride)];
    for (int s = 0; s < SLOT_COUNT; s++) {
      int count = 0;
      boolean lost = false;
      boolean primaryLost = false;
      for (int p = 0; p < curStride; p++) {
        int x = cur.ownerIndex(s, p);
        if (x < 0) {
          break;
        }
        int i = fromCur[x];
        if (i < 0) {
          lost = true;
          primaryLost |= p == 0;
        } else if (count < stride) {
          slotOwners[count++] = i;
        }
      }
      int mf = cur.migrationFromIndex(s) < 0 ? -1 : fromCur[cur.migrationFromIndex(s)];
      int mt = cur.migrationToIndex(s) < 0 ? -1 : fromCur[cur.migrationToIndex(s)];
      boolean hadMigration = cur.migrationToIndex(s) >= 0;
      if (lost) {
        if (primaryLost && count > 0) {
          int best = 0;
          for (int q = 1; q < count; q++) {
            long off = offsets[slotOwners[q]][s];
            long bestOff = offsets[slotOwners[best]][s];
            if (broken == BrokenRule.PROMOTE_LEAST_UP_TO_DATE ? off < bestOff : off > bestOff) {
              best = q;
            }
          }
          int chosen = slotOwners[best];
          System.arraycopy(slotOwners, 0, slotOwners, 1, best);
          slotOwners[0] = chosen;
        }
        mf = -1;
        mt = -1;
      } else if (hadMigration && (mt < 0 || mf < 0)) {
        mf = -1;
        mt = -1;
      } else if (mt >= 0 && ready[s] == mt) {
        int fromPos = -1;
        int toPos = -1;
        for (int q = 0; q < count; q++) {
          if (slotOwners[q] == mf) {
            fromPos = q;
          } else if (slotOwners[q] == mt) {
            toPos = q;
          }
        }
        slotOwners[fromPos] = mt;
        if (toPos >= 0) {
          slotOwners[toPos] = mf;
        }
        mf = -1;
        mt = -1;
      }
      System.arraycopy(slotOwners, 0, own, s * stride, count);
      migFrom[s] = mf;
      migTo[s] = mt;
    }

    // 2. Target members: the live ones that are not leaving.
    List<Member> targetMembers = new ArrayList<>();
    for (Member m : live) {
      if (!leavingNodes.contains(m.id())) {
        targetMembers.add(m);
      }
    }

    // 3. The target layout, recomputed only when the set of target members changes.
    if (!targetMembers.isEmpty()) {
      if (target == null || !targetMembers.equals(targetKey)) {
        Topology now = build(epoch, live, own, migFrom, migTo, stride, null);
        target = Placement.place(0, targetMembers, config.replicaCount(), now);
        targetKey = targetMembers;
      }
      int[] fromTarget = new int[target.members().size()];
      for (int x = 0; x < fromTarget.length; x++) {
        fromTarget[x] = idx.get(target.members().get(x).id());
      }
      reconcile(own, migFrom, migTo, stride, fromTarget, n);
    }

    // 4. Members: the live ones, less leaving nodes that hold nothing any more.
    boolean[] holding = new boolean[n];
    for (int s = 0; s < SLOT_COUNT; s++) {
      for (int p = 0; p < stride && own[s * stride + p] >= 0; p++) {
        holding[own[s * stride + p]] = true;
      }
      if (migTo[s] >= 0) {
        holding[migTo[s]] = true;
      }
    }
    boolean[] keep = new boolean[n];
    for (int i = 0; i < n; i++) {
      keep[i] = holding[i] || !leavingNodes.contains(live.get(i).id());
    }
    Topology next = build(epoch, live, own, migFrom, migTo, stride, keep);
    return next.sameLayoutAs(cur) ? null : next;
  }

  private Topology build(long epoch, List<Member> live, int[] own, int[] migFrom, int[] migTo, int stride,
      boolean[] keep) {
    int n = live.size();
    int[] remap = new int[n];
    List<Member> members = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      if (keep == null || keep[i]) {
        remap[i] = members.size();
        members.add(live.get(i));
      } else {
        remap[i] = -1;
      }
    }
    short[] o = new short[own.length];
    for (int i = 0; i < own.length; i++) {
      o[i] = (short) (own[i] < 0 ? -1 : remap[own[i]]);
    }
    short[] f = new short[SLOT_COUNT];
    short[] t = new short[SLOT_COUNT];
    for (int s = 0; s < SLOT_COUNT; s++) {
      f[s] = (short) (migFrom[s] < 0 ? -1 : remap[migFrom[s]]);
      t[s] = (short) (migTo[s] < 0 ? -1 : remap[migTo[s]]);
    }
    return Topology.ofIndexes(epoch, config.replicaCount(), members, o, f, t);
  }

  /**
   * Moves the layout towards {@link #target}: missing copies are added and extra replicas
   * dropped at once; then at most one migration per slot, and at most
   * {@link ClusterConfig#maxMigrationsPerNode()} per node (as source, target or streaming
   * primary).
   */
  private void reconcile(int[] own, int[] migFrom, int[] migTo, int stride, int[] fromTarget, int n) {
    int[] load = new int[n];
    for (int s = 0; s < SLOT_COUNT; s++) {
      if (migTo[s] >= 0) {
        countMigration(load, migFrom[s], migTo[s], own[s * stride]);
      }
    }
    int max = config.maxMigrationsPerNode();
    int targetStride = target.replicaCount() + 1;
    int[] tgt = new int[targetStride];
    int[] next = new int[stride + targetStride];
    for (int s = 0; s < SLOT_COUNT; s++) {
      int k = 0;
      while (k < targetStride && target.ownerIndex(s, k) >= 0) {
        tgt[k] = fromTarget[target.ownerIndex(s, k)];
        k++;
      }
      int base = s * stride;
      int count = 0;
      while (count < stride && own[base + count] >= 0) {
        next[count] = own[base + count];
        count++;
      }
      if (count == 0) {
        for (int q = 0; q < k; q++) {
          own[base + q] = tgt[q]; // a new or lost slot: no data to move
        }
        continue;
      }
      if (migTo[s] >= 0) {
        continue;
      }
      for (int q = 0; q < k && count < k; q++) {
        if (!contains(next, count, tgt[q])) {
          next[count++] = tgt[q]; // restores the replica count now; it syncs from the primary
        }
      }
      for (int q = count - 1; q >= 1 && count > k; q--) {
        if (!contains(tgt, k, next[q])) {
          System.arraycopy(next, q + 1, next, q, count - q - 1);
          count--;
        }
      }
      for (int q = 0; q < stride; q++) {
        own[base + q] = q < count ? next[q] : -1;
      }
      int primary = next[0];
      int from = -1;
      int to = -1;
      if (!contains(tgt, k, primary)) {
        from = primary;
        to = tgt[0];
      } else {
        for (int q = 1; q < count && from < 0; q++) {
          if (!contains(tgt, k, next[q])) {
            from = next[q];
          }
        }
        if (from >= 0) {
          for (int q = 0; q < k && to < 0; q++) {
            if (!contains(next, count, tgt[q])) {
              to = tgt[q];
            }
          }
          if (to < 0) {
            from = -1;
          }
        } else if (primary != tgt[0]) {
          from = primary;
          to = tgt[0];
        }
      }
      if (to >= 0 && load[from] < max && load[to] < max && load[primary] < max) {
        migFrom[s] = from;
        migTo[s] = to;
        countMigration(load, from, to, primary);
      }
    }
  }

  private static boolean contains(int[] a, int len, int v) {
    for (int i = 0; i < len; i++) {
      if (a[i] == v) {
        return true;
      }
    }
    return false;
  }

  private static void countMigration(int[] load, int from, int to, int primary) {
    load[from]++;
    load[to]++;
    if (primary != from) {
      load[primary]++;
    }
  }

  // ------------------------------------------------------------------------------ local apply

  private void apply(Topology t, long now, List<Output> out) {
    Topology prev = applied;
    applied = t;
    promisedEpoch = Math.max(promisedEpoch, t.epoch());
    highestEpochKnown = Math.max(highestEpochKnown, t.epoch());
    out.add(new Output.TopologyChanged(prev, t));
    boolean sameIndexes = prev.replicaCount() == t.replicaCount() && prev.members().equals(t.members());
    BitSet changed;
    byte[] newRoles;
    int[] primaryIndex = new int[SLOT_COUNT];
    if (sameIndexes) {
      // The usual case (a migration wave, a switch): only the slots that differ are looked at.
      newRoles = roles.clone();
      changed = t.changedSlotIndexes(prev);
      for (int s = changed.nextSetBit(0); s >= 0; s = changed.nextSetBit(s + 1)) {
        newRoles[s] = (byte) t.role(s, id).ordinal();
        primaryIndex[s] = t.ownerIndex(s, 0);
      }
    } else {
      changed = new BitSet(SLOT_COUNT);
      newRoles = t.rolesOf(id, primaryIndex);
      changed.set(0, SLOT_COUNT);
    }
    int replica = SlotRole.REPLICA.ordinal();
    int importing = SlotRole.IMPORTING.ordinal();
    SlotRole[] all = ROLES;
    int[] prevToNew = new int[prev.members().size()];
    for (int x = 0; x < prevToNew.length; x++) {
      Member m = prev.members().get(x);
      prevToNew[x] = t.contains(m.id()) ? indexIn(t, m.id()) : -1;
    }
    long[][] ackArrays = null;
    for (int s = changed.nextSetBit(0); s >= 0; s = changed.nextSetBit(s + 1)) {
      byte before = roles[s];
      byte after = newRoles[s];
      boolean primaryChanged = false;
      if (after == replica || after == importing) {
        int pp = prev.ownerIndex(s, 0);
        primaryChanged = (pp < 0 ? -1 : prevToNew[pp]) != primaryIndex[s];
      }
      if (before != after || primaryChanged) {
        NodeId newPrimary = primaryIndex[s] < 0 ? null : t.members().get(primaryIndex[s]).id();
        out.add(new Output.SlotRoleChanged(s, all[before], all[after], newPrimary));
        if (after == SlotRole.NONE.ordinal()) {
          localOffset[s] = -1;
        }
        if (after == SlotRole.PRIMARY.ordinal() || before == SlotRole.PRIMARY.ordinal()) {
          if (ackArrays == null) {
            ackArrays = acks.values().toArray(new long[0][]);
          }
          for (long[] a : ackArrays) {
            a[s] = -1;
          }
        }
      }
    }
    roles = newRoles;
    // Acks of nodes that no longer follow a slot this node leads are void (if such a node comes
    // back later, its old ack must not count for WAIT).
    if (!acks.isEmpty()) {
      for (int s = changed.nextSetBit(0); s >= 0; s = changed.nextSetBit(s + 1)) {
        if (newRoles[s] == SlotRole.PRIMARY.ordinal() && !sameFollowers(prev, t, prevToNew, s)) {
          for (Map.Entry<NodeId, long[]> e : acks.entrySet()) {
            if (e.getValue()[s] >= 0 && t.role(s, e.getKey()) == SlotRole.NONE) {
              e.getValue()[s] = -1;
            }
          }
        }
      }
    }
    migratingAsPrimary.clear();
    if (t.migrationCount() > 0) {
      for (int s = 0; s < SLOT_COUNT; s++) {
        if (t.migrationToIndex(s) >= 0 && newRoles[s] == SlotRole.PRIMARY.ordinal()) {
          migratingAsPrimary.set(s);
        }
      }
    }
    for (int s = paused.nextSetBit(0); s >= 0; s = paused.nextSetBit(s + 1)) {
      Migration m = t.migration(s);
      if (!migratingAsPrimary.get(s) || m == null || !m.to().equals(pausedFor[s])) {
        paused.clear(s);
        pausedFor[s] = null;
        readySentAt[s] = NEVER;
      }
    }
    updateMinority(now);
    if (leaving && prev.contains(id) && !t.contains(id)) {
      out.add(new Output.Left(t.epoch()));
    }
  }

  /** Whether the slot has the same owners and migration target in both. */
  private static boolean sameFollowers(Topology a, Topology b, int[] aToB, int s) {
    for (int k = 0; k <= Math.max(a.replicaCount(), b.replicaCount()); k++) {
      int x = a.ownerIndex(s, k);
      if ((x < 0 ? -1 : aToB[x]) != b.ownerIndex(s, k)) {
        return false;
      }
    }
    int x = a.migrationToIndex(s);
    return (x < 0 ? -1 : aToB[x]) == b.migrationToIndex(s);
  }

  private static int indexIn(Topology t, NodeId id) {
    List<Member> ms = t.members();
    int lo = 0;
    int hi = ms.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = ms.get(mid).id().compareTo(id);
      if (c == 0) {
        return mid;
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return -1;
  }

  private void updateMinority(long now) {
    boolean min = view != null && !applied.isEmpty() && !viewHoldsMajorityOf(applied);
    if (min && !minority) {
      minoritySince = now;
    }
    minority = min;
  }

  @Override
  public String toString() {
    return "ClusterNode{" + id.shortId() + ", epoch=" + applied.epoch() + ", view=" + (view == null ? "-" : view.id()) + "}";
  }
}
