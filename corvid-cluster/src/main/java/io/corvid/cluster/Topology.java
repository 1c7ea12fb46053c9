package io.corvid.cluster;

import static io.corvid.common.SlotHash.SLOT_COUNT;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One version of the cluster's layout, immutable: an epoch, the members, and for each of the
 * 16384 slots its owners (one primary and up to {@link #replicaCount()} replicas, all distinct)
 * and at most one {@link Migration} in progress.
 *
 * <h2>Invariants (checked by the constructor)</h2>
 * <ul>
 *   <li>{@code epoch >= 0}; epoch 0 is the empty topology every node starts from. Epochs are
 *       decided by the coordinator and strictly increase; a node applies a topology only if its
 *       epoch is greater than the one it has.
 *   <li>Members are sorted by id, with distinct ids.
 *   <li>For every slot: either no owner at all, or a primary and 0..R replicas, all members,
 *       pairwise distinct.
 *   <li>A migration's {@code from} is an owner of its slot; its {@code to} is a member that is
 *       either not an owner, or a replica while {@code from} is the primary (a role swap).
 * </ul>
 *
 * <h2>Encoding</h2>
 * {@link #encode()} writes a version byte ({@link #ENCODING_VERSION}), then big-endian: epoch
 * (8), replica count (1), member count (2), each member (40 id bytes, host length (2) + UTF-8
 * host, client port (2), bus port (2), weight (2)), then per slot R+1 member indexes (2 each, -1
 * for none), then the migration count (2) and each migration (slot, from index, to index; 2
 * each). About 64 KB for R = 1.
 */
public final class Topology {
  /** The first byte of {@link #encode()}; {@link #decode(byte[])} rejects any other. */
  public static final byte ENCODING_VERSION = 1;
  /** Most replicas per slot a topology can describe. */
  public static final int MAX_REPLICAS = 8;
  /** Most members a topology can describe (Redis's guidance for a cluster is about 1000). */
  public static final int MAX_MEMBERS = 1000;

  private static final short NONE = -1;

  private final long epoch;
  private final int replicaCount;
  private final List<Member> members;
  private final Map<NodeId, Integer> indexOf;
  /** owners[slot * stride + 0] is the primary's member index, then the replicas; NONE pads. */
  private final short[] owners;
  private final short[] migrationFrom;
  private final short[] migrationTo;
  private final int migrationCount;
  private final int stride;
  private int hash;

  private Topology(long epoch, int replicaCount, List<Member> members, short[] owners,
      short[] migrationFrom, short[] migrationTo) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0: " + epoch);
    }
    if (replicaCount < 0 || replicaCount > MAX_REPLICAS) {
      throw new IllegalArgumentException("replica count must be 0.." + MAX_REPLICAS + ": " + replicaCount);
    }
    if (members.size() > MAX_MEMBERS) {
      throw new IllegalArgumentException("too many members: " + members.size() + " > " + MAX_MEMBERS);
    }
    this.epoch = epoch;
    this.replicaCount = replicaCount;
    this.stride = replicaCount + 1;
    this.members = List.copyOf(members);
    this.indexOf = new HashMap<>();
    for (int i = 0; i < this.members.size(); i++) {
      Member m = this.members.get(i);
      if (i > 0 && this.members.get(i - 1).id().compareTo(m.id()) >= 0) {
        throw new IllegalArgumentException("members must be sorted by id and distinct");
      }
      indexOf.put(m.id(), i);
    }
    this.owners = owners;
    this.migrationFrom = migrationFrom;
    this.migrationTo = migrationTo;
    int n = this.members.size();
    int migrations = 0;
    for (int slot = 0; slot < SLOT_COUNT; slot++) {
      int base = slot * stride;
      boolean ended = false;
      for (int k = 0; k < stride; k++) {
        int o = owners[base + k];
        if (o == NONE) {
          ended = true;
          continue;
        }
        if (ended || o < 0 || o >= n) {
          throw new IllegalArgumentException("slot " + slot + ": bad owner list");
        }
        for (int j = 0; j < k; j++) {
          if (owners[base + j] == o) {
            throw new IllegalArgumentException("slot " + slot + ": owner listed twice");
          }
        }
      }
      int to = migrationTo[slot];
      if (to != NONE) {
        int from = migrationFrom[slot];
        if (from < 0 || from >= n) {
          throw new IllegalArgumentException("slot " + slot + ": bad migration");
        }
        int fromPos = position(slot, from);
        int toPos = position(slot, to);
        if (to < 0 || to >= n || from == to || fromPos < 0 || (toPos >= 0 && !(fromPos == 0 && toPos > 0))) {
          throw new IllegalArgumentException("slot " + slot + ": bad migration");
        }
        migrations++;
      } else if (migrationFrom[slot] != NONE) {
        throw new IllegalArgumentException("slot " + slot + ": bad migration");
      }
    }
    this.migrationCount = migrations;
  }

  /** The topology of a node that knows nothing yet: epoch 0, no members, no slot assigned. */
  public static Topology empty(int replicaCount) {
    if (replicaCount >= 0 && replicaCount <= MAX_REPLICAS) {
      Topology t = EMPTY[replicaCount];
      if (t == null) {
        t = newEmpty(replicaCount);
        EMPTY[replicaCount] = t; // immutable: a benign race at worst builds it twice
      }
      return t;
    }
    return newEmpty(replicaCount);
  }

  private static final Topology[] EMPTY = new Topology[MAX_REPLICAS + 1];

  private static Topology newEmpty(int replicaCount) {
    short[] owners = new short[SLOT_COUNT * (replicaCount + 1)];
    Arrays.fill(owners, NONE);
    short[] none = new short[SLOT_COUNT];
    Arrays.fill(none, NONE);
    return new Topology(0, replicaCount, List.of(), owners, none, none.clone());
  }

  public long epoch() {
    return epoch;
  }

  /** R, the configured number of replicas per slot (a slot has fewer while nodes are few). */
  public int replicaCount() {
    return replicaCount;
  }

  /** Members sorted by id. */
  public List<Member> members() {
    return members;
  }

  public boolean isEmpty() {
    return members.isEmpty();
  }

  public boolean contains(NodeId id) {
    return indexOf.containsKey(id);
  }

  /** The member with this id, or null. */
  public Member member(NodeId id) {
    Integer i = indexOf.get(id);
    return i == null ? null : members.get(i);
  }

  /** The primary of the slot, or null when the slot is unassigned. */
  public NodeId primary(int slot) {
    int o = owners[checkSlot(slot) * stride];
    return o == NONE ? null : members.get(o).id();
  }

  /** The replicas of the slot, in order (empty when it has none). */
  public List<NodeId> replicas(int slot) {
    int base = checkSlot(slot) * stride;
    List<NodeId> out = new ArrayList<>(replicaCount);
    for (int k = 1; k < stride && owners[base + k] != NONE; k++) {
      out.add(members.get(owners[base + k]).id());
    }
    return out;
  }

  /** Primary first, then the replicas; empty when the slot is unassigned. */
  public List<NodeId> owners(int slot) {
    int base = checkSlot(slot) * stride;
    List<NodeId> out = new ArrayList<>(stride);
    for (int k = 0; k < stride && owners[base + k] != NONE; k++) {
      out.add(members.get(owners[base + k]).id());
    }
    return out;
  }

  /** Number of owners (copies) of the slot. */
  public int ownerCount(int slot) {
    int base = checkSlot(slot) * stride;
    int k = 0;
    while (k < stride && owners[base + k] != NONE) {
      k++;
    }
    return k;
  }

  /** The migration in progress for the slot, or null. */
  public Migration migration(int slot) {
    int to = migrationTo[checkSlot(slot)];
    return to == NONE ? null
        : new Migration(slot, members.get(migrationFrom[slot]).id(), members.get(to).id());
  }

  /** Every migration in progress, by slot. */
  public List<Migration> migrations() {
    List<Migration> out = new ArrayList<>(migrationCount);
    for (int slot = 0; slot < SLOT_COUNT && out.size() < migrationCount; slot++) {
      if (migrationTo[slot] != NONE) {
        out.add(migration(slot));
      }
    }
    return out;
  }

  public int migrationCount() {
    return migrationCount;
  }

  /** The node's role for the slot. */
  public SlotRole role(int slot, NodeId node) {
    Integer i = indexOf.get(node);
    if (i == null) {
      return SlotRole.NONE;
    }
    int pos = position(checkSlot(slot), i);
    if (pos == 0) {
      return SlotRole.PRIMARY;
    }
    if (pos > 0) {
      return SlotRole.REPLICA;
    }
    return migrationTo[slot] == i ? SlotRole.IMPORTING : SlotRole.NONE;
  }

  /** The slots the node is primary of, ascending. */
  public int[] slotsOf(NodeId node) {
    return slotsWhere(node, true);
  }

  /** The slots the node holds a copy of (primary or replica), ascending. */
  public int[] copiesOf(NodeId node) {
    return slotsWhere(node, false);
  }

  /** The slots the node is primary of, as ranges (for CLUSTER NODES and CLUSTER SHARDS). */
  public List<SlotInterval> primaryRanges(NodeId node) {
    return toIntervals(slotsWhere(node, true));
  }

  /** The slots the node is a replica of, as ranges. */
  public List<SlotInterval> replicaRanges(NodeId node) {
    Integer i = indexOf.get(node);
    if (i == null) {
      return List.of();
    }
    int[] tmp = new int[SLOT_COUNT];
    int n = 0;
    for (int slot = 0; slot < SLOT_COUNT; slot++) {
      if (position(slot, i) > 0) {
        tmp[n++] = slot;
      }
    }
    return toIntervals(Arrays.copyOf(tmp, n));
  }

  /**
   * The whole table as ranges of consecutive slots with identical owners (primary and replicas
   * in order), ascending: what CLUSTER SLOTS lists. Unassigned slots are left out.
   */
  public List<SlotRange> slotRanges() {
    List<SlotRange> out = new ArrayList<>();
    int start = 0;
    for (int slot = 1; slot <= SLOT_COUNT; slot++) {
      if (slot == SLOT_COUNT || !sameOwners(start, slot)) {
        if (owners[start * stride] != NONE) {
          out.add(new SlotRange(start, slot - 1, primary(start), replicas(start)));
        }
        start = slot;
      }
    }
    return out;
  }

  /**
   * The node's role for every slot in one pass (index = slot, value = SlotRole ordinal), and the
   * primary's member index per slot into {@code primaryIndex} when it is not null.
   */
  byte[] rolesOf(NodeId node, int[] primaryIndex) {
    byte[] out = new byte[SLOT_COUNT];
    Integer boxed = indexOf.get(node);
    int i = boxed == null ? Integer.MIN_VALUE : boxed;
    for (int slot = 0; slot < SLOT_COUNT; slot++) {
      int base = slot * stride;
      SlotRole role = SlotRole.NONE;
      if (owners[base] == i) {
        role = SlotRole.PRIMARY;
      } else {
        for (int k = 1; k < stride; k++) {
          if (owners[base + k] == i) {
            role = SlotRole.REPLICA;
            break;
          }
        }
        if (role == SlotRole.NONE && migrationTo[slot] == i) {
          role = SlotRole.IMPORTING;
        }
      }
      out[slot] = (byte) role.ordinal();
      if (primaryIndex != null) {
        primaryIndex[slot] = owners[base];
      }
    }
    return out;
  }

  /**
   * A topology straight from member-index arrays (members sorted by id; owners with stride R+1
   * and -1 padding; migration arrays with -1 for none). The arrays are taken, not copied.
   */
  static Topology ofIndexes(long epoch, int replicaCount, List<Member> sortedMembers, short[] owners,
      short[] migrationFrom, short[] migrationTo) {
    return new Topology(epoch, replicaCount, sortedMembers, owners, migrationFrom, migrationTo);
  }

  /** Whether the slot's owners and migration are the same index-for-index (same stride). */
  boolean sameSlotIndexes(Topology other, int slot) {
    int base = slot * stride;
    for (int p = 0; p < stride; p++) {
      if (owners[base + p] != other.owners[base + p]) {
        return false;
      }
    }
    return migrationTo[slot] == other.migrationTo[slot] && migrationFrom[slot] == other.migrationFrom[slot];
  }

  /**
   * The slots whose owners or migration differ from {@code other}'s, by member index; both must
   * have the same replica count. Uses vectorized mismatch scans rather than a test per slot.
   */
  BitSet changedSlotIndexes(Topology other) {
    if (other.stride != stride) {
      throw new IllegalArgumentException("different replica counts");
    }
    BitSet changed = new BitSet(SLOT_COUNT);
    markMismatches(owners, other.owners, stride, changed);
    markMismatches(migrationTo, other.migrationTo, 1, changed);
    markMismatches(migrationFrom, other.migrationFrom, 1, changed);
    return changed;
  }

  private static void markMismatches(short[] a, short[] b, int stride, BitSet changed) {
    int len = a.length;
    int from = 0;
    while (from < len) {
      int m = Arrays.mismatch(a, from, len, b, from, len);
      if (m < 0) {
        return;
      }
      int slot = (from + m) / stride;
      changed.set(slot);
      from = (slot + 1) * stride;
    }
  }

  /** Member index of the migration source / target of the slot, or -1. */
  int migrationFromIndex(int slot) {
    return migrationFrom[slot];
  }

  int migrationToIndex(int slot) {
    return migrationTo[slot];
  }

  /** Member index of copy {@code k} of the slot (0 = primary), or -1: for Placement's speed. */
  int ownerIndex(int slot, int k) {
    return k < stride ? owners[slot * stride + k] : NONE;
  }

  /** A builder starting from this topology (same epoch; set the next one). */
  public Builder toBuilder() {
    return new Builder(this);
  }

  public static Builder builder(long epoch, int replicaCount, List<Member> members) {
    Topology empty = empty(replicaCount);
    Builder b = new Builder(empty);
    b.epoch(epoch);
    b.members(members);
    return b;
  }

  /** The bytes described in the class comment. */
  public byte[] encode() {
    int size = 1 + 8 + 1 + 2;
    byte[][] hosts = new byte[members.size()][];
    for (int i = 0; i < members.size(); i++) {
      hosts[i] = members.get(i).host().getBytes(StandardCharsets.UTF_8);
      size += NodeId.HEX_LENGTH + 2 + hosts[i].length + 6;
    }
    size += owners.length * 2 + 2 + migrationCount * 6;
    ByteBuffer buf = ByteBuffer.allocate(size);
    buf.put(ENCODING_VERSION).putLong(epoch).put((byte) replicaCount).putShort((short) members.size());
    for (int i = 0; i < members.size(); i++) {
      Member m = members.get(i);
      buf.put(m.id().hex().getBytes(StandardCharsets.US_ASCII));
      buf.putShort((short) hosts[i].length).put(hosts[i]);
      buf.putShort((short) m.clientPort()).putShort((short) m.busPort()).putShort((short) m.weight());
    }
    for (short o : owners) {
      buf.putShort(o);
    }
    buf.putShort((short) migrationCount);
    for (int slot = 0; slot < SLOT_COUNT; slot++) {
      if (migrationTo[slot] != NONE) {
        buf.putShort((short) slot).putShort(migrationFrom[slot]).putShort(migrationTo[slot]);
      }
    }
    return buf.array();
  }

  /** Reads what {@link #encode()} wrote; IllegalArgumentException on anything else. */
  public static Topology decode(byte[] bytes) {
    try {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      byte version = buf.get();
      if (version != ENCODING_VERSION) {
        throw new IllegalArgumentException("unknown topology encoding version " + version);
      }
      long epoch = buf.getLong();
      int replicaCount = buf.get();
      int memberCount = Short.toUnsignedInt(buf.getShort());
      if (replicaCount < 0 || replicaCount > MAX_REPLICAS || memberCount > MAX_MEMBERS) {
        throw new IllegalArgumentException("bad topology header");
      }
      List<Member> members = new ArrayList<>(memberCount);
      byte[] id = new byte[NodeId.HEX_LENGTH];
      for (int i = 0; i < memberCount; i++) {
        buf.get(id);
        int hostLength = Short.toUnsignedInt(buf.getShort());
        if (hostLength > Member.MAX_HOST_LENGTH) {
          throw new IllegalArgumentException("host too long");
        }
        byte[] host = new byte[hostLength];
        buf.get(host);
        members.add(new Member(new NodeId(new String(id, StandardCharsets.US_ASCII)),
            new String(host, StandardCharsets.UTF_8), Short.toUnsignedInt(buf.getShort()),
            Short.toUnsignedInt(buf.getShort()), Short.toUnsignedInt(buf.getShort())));
      }
      short[] owners = new short[SLOT_COUNT * (replicaCount + 1)];
      for (int i = 0; i < owners.length; i++) {
        owners[i] = buf.getShort();
      }
      short[] from = new short[SLOT_COUNT];
      short[] to = new short[SLOT_COUNT];
      Arrays.fill(from, NONE);
      Arrays.fill(to, NONE);
      int migrations = Short.toUnsignedInt(buf.getShort());
      for (int i = 0; i < migrations; i++) {
        int slot = Short.toUnsignedInt(buf.getShort());
        if (slot >= SLOT_COUNT || to[slot] != NONE) {
          throw new IllegalArgumentException("bad migration slot " + slot);
        }
        from[slot] = buf.getShort();
        to[slot] = buf.getShort();
        if (to[slot] == NONE) {
          throw new IllegalArgumentException("bad migration target");
        }
      }
      if (buf.hasRemaining()) {
        throw new IllegalArgumentException("trailing bytes after topology");
      }
      return new Topology(epoch, replicaCount, members, owners, from, to);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated topology", e);
    }
  }

  /** Same members, owners and migrations; the epochs may differ. */
  public boolean sameLayoutAs(Topology t) {
    return replicaCount == t.replicaCount && members.equals(t.members) && Arrays.equals(owners, t.owners)
        && Arrays.equals(migrationFrom, t.migrationFrom) && Arrays.equals(migrationTo, t.migrationTo);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Topology t && epoch == t.epoch && replicaCount == t.replicaCount
        && members.equals(t.members) && Arrays.equals(owners, t.owners)
        && Arrays.equals(migrationFrom, t.migrationFrom) && Arrays.equals(migrationTo, t.migrationTo);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Objects.hash(epoch, replicaCount, members);
      h = 31 * h + Arrays.hashCode(owners);
      h = 31 * h + Arrays.hashCode(migrationTo);
      h = 31 * h + Arrays.hashCode(migrationFrom);
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    return "Topology{epoch=" + epoch + ", members=" + members.size() + ", replicas=" + replicaCount
        + ", migrations=" + migrationCount + "}";
  }

  // ---------------------------------------------------------------------------------------------

  private static int checkSlot(int slot) {
    if (slot < 0 || slot >= SLOT_COUNT) {
      throw new IllegalArgumentException("slot out of range: " + slot);
    }
    return slot;
  }

  /** Position of member index i in the slot's owner list (0 = primary), or -1. */
  private int position(int slot, int i) {
    int base = slot * stride;
    for (int k = 0; k < stride; k++) {
      if (owners[base + k] == i) {
        return k;
      }
    }
    return -1;
  }

  private boolean sameOwners(int a, int b) {
    return Arrays.equals(owners, a * stride, a * stride + stride, owners, b * stride, b * stride + stride);
  }

  private int[] slotsWhere(NodeId node, boolean primaryOnly) {
    Integer i = indexOf.get(node);
    if (i == null) {
      return new int[0];
    }
    int[] tmp = new int[SLOT_COUNT];
    int n = 0;
    for (int slot = 0; slot < SLOT_COUNT; slot++) {
      int pos = position(slot, i);
      if (pos == 0 || (pos > 0 && !primaryOnly)) {
        tmp[n++] = slot;
      }
    }
    return Arrays.copyOf(tmp, n);
  }

  private static List<SlotInterval> toIntervals(int[] slots) {
    if (slots.length == 0) {
      return List.of();
    }
    List<SlotInterval> out = new ArrayList<>();
    int start = slots[0];
    int prev = start;
    for (int k = 1; k <= slots.length; k++) {
      if (k == slots.length || slots[k] != prev + 1) {
        out.add(new SlotInterval(start, prev));
        if (k < slots.length) {
          start = slots[k];
        }
      }
      if (k < slots.length) {
        prev = slots[k];
      }
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * A mutable copy for the coordinator to edit: set the epoch, the members, each slot's owners
   * and migrations, then {@link #build()} (which checks the invariants).
   */
  public static final class Builder {
    private long epoch;
    private final int replicaCount;
    private final int stride;
    private List<Member> members;
    private final NodeId[] owners;
    private final NodeId[] migrationFrom = new NodeId[SLOT_COUNT];
    private final NodeId[] migrationTo = new NodeId[SLOT_COUNT];

    private Builder(Topology t) {
      this.epoch = t.epoch;
      this.replicaCount = t.replicaCount;
      this.stride = t.stride;
      this.members = t.members;
      this.owners = new NodeId[t.owners.length];
      for (int i = 0; i < owners.length; i++) {
        owners[i] = t.owners[i] == NONE ? null : t.members.get(t.owners[i]).id();
      }
      for (int slot = 0; slot < SLOT_COUNT; slot++) {
        if (t.migrationTo[slot] != NONE) {
          migrationFrom[slot] = t.members.get(t.migrationFrom[slot]).id();
          migrationTo[slot] = t.members.get(t.migrationTo[slot]).id();
        }
      }
    }

    public Builder epoch(long epoch) {
      this.epoch = epoch;
      return this;
    }

    public long epoch() {
      return epoch;
    }

    public int replicaCount() {
      return replicaCount;
    }

    /** The members, in any order (build sorts them by id). */
    public Builder members(List<Member> members) {
      List<Member> sorted = new ArrayList<>(members);
      sorted.sort((a, b) -> a.id().compareTo(b.id()));
      this.members = sorted;
      return this;
    }

    public List<Member> members() {
      return members;
    }

    /** Sets the slot's owners: primary (null for unassigned) then replicas. */
    public Builder owners(int slot, NodeId primary, List<NodeId> replicas) {
      checkSlot(slot);
      if (replicas.size() > replicaCount || (primary == null && !replicas.isEmpty())) {
        throw new IllegalArgumentException("slot " + slot + ": " + replicas.size() + " replicas, at most " + replicaCount);
      }
      int base = slot * stride;
      owners[base] = primary;
      for (int k = 1; k < stride; k++) {
        owners[base + k] = k - 1 < replicas.size() ? replicas.get(k - 1) : null;
      }
      return this;
    }

    /** Sets the slot's owners from a list: primary first. */
    public Builder owners(int slot, List<NodeId> ownersPrimaryFirst) {
      if (ownersPrimaryFirst.isEmpty()) {
        return owners(slot, null, List.of());
      }
      return owners(slot, ownersPrimaryFirst.get(0), ownersPrimaryFirst.subList(1, ownersPrimaryFirst.size()));
    }

    public NodeId primary(int slot) {
      return owners[checkSlot(slot) * stride];
    }

    public List<NodeId> owners(int slot) {
      int base = checkSlot(slot) * stride;
      List<NodeId> out = new ArrayList<>(stride);
      for (int k = 0; k < stride && owners[base + k] != null; k++) {
        out.add(owners[base + k]);
      }
      return out;
    }

    /** Starts a migration of the slot (replacing any other), or clears it when null. */
    public Builder migration(int slot, Migration m) {
      checkSlot(slot);
      migrationFrom[slot] = m == null ? null : m.from();
      migrationTo[slot] = m == null ? null : m.to();
      return this;
    }

    public Migration migration(int slot) {
      return migrationTo[checkSlot(slot)] == null ? null
          : new Migration(slot, migrationFrom[slot], migrationTo[slot]);
    }

    public Topology build() {
      Map<NodeId, Integer> index = new HashMap<>();
      for (int i = 0; i < members.size(); i++) {
        if (index.put(members.get(i).id(), i) != null) {
          throw new IllegalArgumentException("member listed twice: " + members.get(i).id());
        }
      }
      short[] o = new short[owners.length];
      for (int i = 0; i < owners.length; i++) {
        o[i] = toIndex(index, owners[i]);
      }
      short[] from = new short[SLOT_COUNT];
      short[] to = new short[SLOT_COUNT];
      for (int slot = 0; slot < SLOT_COUNT; slot++) {
        from[slot] = toIndex(index, migrationFrom[slot]);
        to[slot] = toIndex(index, migrationTo[slot]);
      }
      return new Topology(epoch, replicaCount, members, o, from, to);
    }

    private static short toIndex(Map<NodeId, Integer> index, NodeId id) {
      if (id == null) {
        return NONE;
      }
      Integer i = index.get(id);
      if (i == null) {
        throw new IllegalArgumentException("not a member: " + id);
      }
      return (short) (int) i;
    }
  }
}
