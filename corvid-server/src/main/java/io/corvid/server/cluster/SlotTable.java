package io.corvid.server.cluster;

import io.corvid.cluster.Member;
import io.corvid.cluster.Migration;
import io.corvid.cluster.NodeId;
import io.corvid.cluster.SlotRange;
import io.corvid.cluster.Topology;
import io.corvid.common.SlotHash;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The routing view of one topology, as the event loops read it: for each of the 16384 slots its
 * primary and replicas (indexes into {@link #members()}), grouped into ranges of consecutive slots
 * with the same owners. Immutable; the cluster thread builds a new one for every new topology and
 * publishes it through a volatile reference ({@link ClusterState}), so a command sees one whole
 * topology, never a mix of two.
 *
 * <p>Lookups on the request path ({@link #primaryOf}, {@link #isLocalReplica}) are array reads.
 */
public final class SlotTable {
  /** No node serves the slot. */
  public static final int NO_NODE = -1;

  /** Consecutive slots {@code start..end} (inclusive) with the same primary and replicas. */
  public record Range(int start, int end, int primary, int[] replicas) {}

  private final long epoch;
  private final List<ClusterMember> members;
  private final int self;
  private final int[] primaryBySlot;
  /** Bit per slot: this node holds a replica of it. */
  private final long[] localReplica;
  private final List<Range> ranges;
  private final int assignedSlots;
  /** Member index of the node each slot migrates to, or {@link #NO_NODE}. */
  private final int[] migrationTo;
  private final int migrationCount;
  /** Bit per slot: a migration moves the primary to a node that is not an owner yet. */
  private final long[] primaryMove = new long[SlotHash.SLOT_COUNT / 64];
  /**
   * Encoded CLUSTER SLOTS replies (RESP2, RESP3) and CLUSTER NODES text of this table, built on
   * first use under the node lock: with scattered slots they are hundreds of KB, too much to
   * rebuild for every client's topology refresh.
   */
  byte[] slotsReplyResp2;
  byte[] slotsReplyResp3;
  String nodesText;

  /**
   * @param primaryBySlot member index of each slot's primary, or {@link #NO_NODE}
   * @param replicasBySlot member indexes of each slot's replicas (shared arrays are fine)
   * @param self this node's member index, or {@link #NO_NODE} while it is not a member
   */
  public SlotTable(long epoch, List<ClusterMember> members, int self, int[] primaryBySlot, int[][] replicasBySlot) {
    this(epoch, members, self, primaryBySlot, replicasBySlot, null, null);
  }

  /**
   * @param migrationFrom member index of each slot's migration source (null when nothing migrates)
   * @param migrationTo member index of each slot's migration target, or {@link #NO_NODE}
   */
  public SlotTable(long epoch, List<ClusterMember> members, int self, int[] primaryBySlot, int[][] replicasBySlot,
      int[] migrationFrom, int[] migrationTo) {
    if (primaryBySlot.length != SlotHash.SLOT_COUNT || replicasBySlot.length != SlotHash.SLOT_COUNT) {
      throw new IllegalArgumentException("a slot table has " + SlotHash.SLOT_COUNT + " slots");
    }
    this.epoch = epoch;
    this.members = List.copyOf(members);
    this.self = self;
    this.primaryBySlot = primaryBySlot.clone();
    this.localReplica = new long[SlotHash.SLOT_COUNT / 64];
    List<Range> rs = new ArrayList<>();
    int assigned = 0;
    int start = 0;
    for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
      int[] reps = replicasBySlot[slot] == null ? new int[0] : replicasBySlot[slot];
      for (int r : reps) {
        if (r == self) {
          localReplica[slot >>> 6] |= 1L << slot;
        }
      }
      if (primaryBySlot[slot] != NO_NODE) {
        assigned++;
      }
      boolean last = slot == SlotHash.SLOT_COUNT - 1;
      if (last || primaryBySlot[slot + 1] != primaryBySlot[slot]
          || !Arrays.equals(replicasOrEmpty(replicasBySlot[slot + 1]), reps)) {
        if (primaryBySlot[slot] != NO_NODE) {
          rs.add(new Range(start, slot, primaryBySlot[slot], reps.clone()));
        }
        start = slot + 1;
      }
    }
    this.ranges = List.copyOf(rs);
    this.assignedSlots = assigned;
    this.migrationTo = new int[SlotHash.SLOT_COUNT];
    Arrays.fill(this.migrationTo, NO_NODE);
    int migrating = 0;
    if (migrationTo != null) {
      for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
        int to = migrationTo[slot];
        this.migrationTo[slot] = to;
        if (to != NO_NODE) {
          migrating++;
          boolean owner = primaryBySlot[slot] == to;
          int[] reps = replicasBySlot[slot] == null ? new int[0] : replicasBySlot[slot];
          for (int r : reps) {
            owner |= r == to;
          }
          if (!owner && migrationFrom[slot] == primaryBySlot[slot]) {
            primaryMove[slot >>> 6] |= 1L << slot;
          }
        }
      }
    }
    this.migrationCount = migrating;
  }

  private static int[] replicasOrEmpty(int[] r) {
    return r == null ? new int[0] : r;
  }

  /**
   * The routing view of a topology decided by the cluster core: members in the topology's order
   * (by node id), {@code selfId} this node's id.
   */
  public static SlotTable of(Topology topology, String selfId) {
    List<ClusterMember> members = new ArrayList<>();
    Map<NodeId, Integer> index = new HashMap<>();
    int self = NO_NODE;
    for (Member m : topology.members()) {
      if (m.id().hex().equals(selfId)) {
        self = members.size();
      }
      index.put(m.id(), members.size());
      members.add(new ClusterMember(m.id().hex(), m.host(), m.clientPort(), m.busPort()));
    }
    int[] primaries = new int[SlotHash.SLOT_COUNT];
    Arrays.fill(primaries, NO_NODE);
    int[][] replicas = new int[SlotHash.SLOT_COUNT][];
    for (SlotRange r : topology.slotRanges()) {
      int[] reps = new int[r.replicas().size()];
      for (int k = 0; k < reps.length; k++) {
        reps[k] = index.get(r.replicas().get(k));
      }
      for (int slot = r.start(); slot <= r.end(); slot++) {
        primaries[slot] = r.primary() == null ? NO_NODE : index.get(r.primary());
        replicas[slot] = reps;
      }
    }
    int[] migrationFrom = null;
    int[] migrationTo = null;
    if (topology.migrationCount() > 0) {
      migrationFrom = new int[SlotHash.SLOT_COUNT];
      migrationTo = new int[SlotHash.SLOT_COUNT];
      Arrays.fill(migrationFrom, NO_NODE);
      Arrays.fill(migrationTo, NO_NODE);
      for (Migration m : topology.migrations()) {
        migrationFrom[m.slot()] = index.get(m.from());
        migrationTo[m.slot()] = index.get(m.to());
      }
    }
    return new SlotTable(topology.epoch(), members, self, primaries, replicas, migrationFrom, migrationTo);
  }

  /** The table of a node that has not joined yet: no slots served, nobody known. */
  public static SlotTable empty() {
    int[] primaries = new int[SlotHash.SLOT_COUNT];
    Arrays.fill(primaries, NO_NODE);
    return new SlotTable(0, List.of(), NO_NODE, primaries, new int[SlotHash.SLOT_COUNT][]);
  }

  public long epoch() { return epoch; }
  public List<ClusterMember> members() { return members; }
  /** This node's member index, or {@link #NO_NODE}. */
  public int self() { return self; }
  public ClusterMember member(int index) { return members.get(index); }
  /** Slot ranges with an owner, in slot order. */
  public List<Range> ranges() { return ranges; }
  public int assignedSlots() { return assignedSlots; }
  /** Every slot has a primary. */
  public boolean allSlotsServed() { return assignedSlots == SlotHash.SLOT_COUNT; }

  /** Member index of the slot's primary, or {@link #NO_NODE}. */
  public int primaryOf(int slot) {
    return primaryBySlot[slot];
  }

  /** Member index of the node the slot is migrating to, or {@link #NO_NODE}. */
  public int migrationTo(int slot) {
    return migrationTo[slot];
  }

  /** How many slots are migrating. */
  public int migrationCount() {
    return migrationCount;
  }

  /**
   * Whether the slot's primary is moving to a node that holds no copy yet (the slot's primary
   * answers -ASK for keys it does not have; the target serves them after ASKING).
   */
  public boolean isPrimaryMove(int slot) {
    return (primaryMove[slot >>> 6] & (1L << slot)) != 0;
  }

  /** This node holds a replica of the slot. */
  public boolean isLocalReplica(int slot) {
    return (localReplica[slot >>> 6] & (1L << slot)) != 0;
  }

  /** Slots this member is primary of. */
  public int primarySlotCount(int member) {
    int n = 0;
    for (Range r : ranges) {
      if (r.primary == member) {
        n += r.end - r.start + 1;
      }
    }
    return n;
  }
}
