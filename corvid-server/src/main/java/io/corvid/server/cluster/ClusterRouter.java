package io.corvid.server.cluster;

import io.corvid.cluster.ClusterNode;
import io.corvid.common.SlotHash;
import io.corvid.resp.Request;
import io.corvid.server.ClientConnection;
import io.corvid.server.command.CommandSpec;
import io.corvid.storage.Keyspace;
import java.util.List;

/**
 * The dispatcher's cluster check (Redis's getNodeByQuery): the slot of the command's keys, read
 * from the key positions in the command metadata, then the owner of that slot in the current
 * {@link SlotTable} and the cluster core's state. Answers null when this node serves the command,
 * else the error to reply:
 *
 * <ul>
 *   <li>{@code CROSSSLOT Keys in request don't hash to the same slot} when keys fall in two slots;
 *   <li>{@code CLUSTERDOWN Hash slot not served} when nobody owns the slot, {@code CLUSTERDOWN The
 *       cluster is down} when some slot has no owner (Redis refuses keyed commands then), or when
 *       this node has been cut off in a minority for longer than {@code cluster-minority-timeout}
 *       (writes; reads too unless {@code cluster-minority-reads yes}, and then writes get {@code
 *       CLUSTERDOWN The cluster is down and only accepts read commands}, as Redis words it);
 *   <li>{@code TRYAGAIN} for a write to a slot the core paused for its switch of owner (a
 *       migration's last step; clients retry), and, as Redis, for a multi-key command on a slot
 *       being moved away when only some of its keys are still here;
 *   <li>{@code ASK <slot> <host>:<port>} naming the migration target, for a command on a slot
 *       whose primary is moving away when none of its keys is here; the target serves the command
 *       after {@code ASKING};
 *   <li>{@code MOVED <slot> <host>:<port>} naming the slot's primary, unless this node holds a
 *       replica of the slot, the connection said READONLY and the command does not write.
 * </ul>
 *
 * <p>For EXEC the keys of all queued commands count together, as in Redis: keys of two slots in
 * one transaction get CROSSSLOT at EXEC, and the transaction is discarded.
 *
 * <p>Runs with the node lock held, as every command (the table and the core only change under
 * it). Commands without keys always run here. The check allocates nothing unless it rejects:
 * slots are hashed in place in the request arena, and the table and core lookups are array reads.
 */
public final class ClusterRouter {
  public static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
  public static final String SLOT_NOT_SERVED = "CLUSTERDOWN Hash slot not served";
  public static final String CLUSTER_DOWN = "CLUSTERDOWN The cluster is down";
  public static final String CLUSTER_DOWN_READS_ONLY = "CLUSTERDOWN The cluster is down and only accepts read commands";
  public static final String TRYAGAIN_SWITCH = "TRYAGAIN Slot is switching owner, try again";
  public static final String TRYAGAIN_MULTIKEY = "TRYAGAIN Multiple keys request during rehashing of slot";

  private final ClusterState state;
  private final Keyspace keyspace;
  /** EXEC: the check covers the keys of every queued command (compared by identity). */
  private final CommandSpec exec;

  public ClusterRouter(ClusterState state, Keyspace keyspace, CommandSpec exec) {
    this.state = state;
    this.keyspace = keyspace;
    this.exec = exec;
  }

  public ClusterState state() {
    return state;
  }

  /** Null when this node runs the command; else the error line (without '-'). */
  public String route(ClientConnection c, CommandSpec spec, Request r) {
    boolean asking = c.asking();
    if (asking && !spec.name().equals("asking")) {
      // ASKING covers the one command after it, as in Redis.
      c.setAsking(false);
    }
    if (spec == exec && c.inMulti()) {
      return routeTransaction(c);
    }
    int slot = slotOf(spec, r, NO_SLOT);
    if (slot < 0) {
      return slot == NO_SLOT ? null : CROSSSLOT;
    }
    return owner(c, slot, spec.has(CommandSpec.FLAG_WRITE), asking, spec, r);
  }

  private static final int NO_SLOT = -1;
  private static final int CROSS_SLOT = -2;

  /**
   * The slot of the command's keys: {@code slot} when it has none (pass {@link #NO_SLOT} or the
   * slot of earlier commands), {@link #CROSS_SLOT} when a key is in another slot.
   */
  private static int slotOf(CommandSpec spec, Request r, int slot) {
    int first = spec.firstKey();
    int argc = r.argc();
    if (first <= 0 || first >= argc) {
      return slot;
    }
    int last = lastKey(spec, argc);
    int step = Math.max(1, spec.keyStep());
    byte[] buf = r.buffer();
    for (int i = first; i <= last; i += step) {
      int s = SlotHash.slot(buf, r.offset(i), r.length(i));
      if (slot == NO_SLOT) {
        slot = s;
      } else if (s != slot) {
        return CROSS_SLOT;
      }
    }
    return slot;
  }

  /** The argument index of the command's last key (negative key positions count from the end). */
  private static int lastKey(CommandSpec spec, int argc) {
    int last = spec.lastKey();
    if (last < 0) {
      last += argc;
    }
    return Math.min(last, argc - 1);
  }

  /**
   * EXEC: every key of every queued command must be in one slot served here, as Redis checks
   * (each command was also checked when it was queued, but against the topology of that moment
   * and on its own). A rejected EXEC discards the transaction.
   */
  private String routeTransaction(ClientConnection c) {
    List<Request> queued = c.queued();
    List<CommandSpec> specs = c.queuedSpecs();
    int slot = NO_SLOT;
    boolean writes = false;
    for (int i = 0; i < queued.size() && slot != CROSS_SLOT; i++) {
      slot = slotOf(specs.get(i), queued.get(i), slot);
      writes |= specs.get(i).has(CommandSpec.FLAG_WRITE);
    }
    String error = slot == NO_SLOT ? null : slot == CROSS_SLOT ? CROSSSLOT : owner(c, slot, writes, false, null, null);
    if (error != null) {
      c.discardMulti();
      c.unwatchAll();
    }
    return error;
  }

  /**
   * @param spec the command (null for EXEC: a transaction on a moving slot is served where its
   *     slot's primary is, without -ASK)
   */
  private String owner(ClientConnection c, int slot, boolean write, boolean asking, CommandSpec spec, Request r) {
    SlotTable table = state.table();
    int primary = table.primaryOf(slot);
    if (primary == SlotTable.NO_NODE) {
      return SLOT_NOT_SERVED;
    }
    if (!table.allSlotsServed()) {
      return CLUSTER_DOWN;
    }
    int self = table.self();
    ClusterNode core = state.core();
    if (primary == self) {
      long now = System.nanoTime() / 1_000_000;
      if (write && !core.canWrite(slot, now)) {
        if (core.isPaused(slot)) {
          return TRYAGAIN_SWITCH;
        }
        return core.config().minorityReads() ? CLUSTER_DOWN_READS_ONLY : CLUSTER_DOWN;
      }
      if (!write && !core.canRead(slot, now)) {
        return CLUSTER_DOWN;
      }
      if (spec != null && table.isPrimaryMove(slot)) {
        return askIfMoved(slot, spec, r, table);
      }
      return null;
    }
    if (asking && table.migrationTo(slot) == self && self != SlotTable.NO_NODE) {
      return null; // importing: ASKING lets the command run here, as in Redis
    }
    if (c.readonlyMode() && !write && table.isLocalReplica(slot)) {
      return core.canRead(slot, System.nanoTime() / 1_000_000) ? null : CLUSTER_DOWN;
    }
    ClusterMember owner = table.member(primary);
    return "MOVED " + slot + " " + owner.host() + ":" + owner.port();
  }

  /**
   * The slot's primary is moving away: the command runs here if every key is here; -ASK to the
   * target if none is (it was moved, or it is new and is created there); -TRYAGAIN if some are
   * (Redis's rule for multi-key commands during a migration).
   */
  private String askIfMoved(int slot, CommandSpec spec, Request r, SlotTable table) {
    int first = spec.firstKey();
    int argc = r.argc();
    int last = lastKey(spec, argc);
    int step = Math.max(1, spec.keyStep());
    int present = 0;
    int keys = 0;
    byte[] buf = r.buffer();
    for (int i = first; i <= last; i += step) {
      keys++;
      if (keyspace.lookup(0, buf, r.offset(i), r.length(i), Keyspace.LOOKUP_NOSTATS) != Keyspace.NONE) {
        present++;
      }
    }
    if (present == keys) {
      return null;
    }
    if (present > 0) {
      return TRYAGAIN_MULTIKEY;
    }
    ClusterMember target = table.member(table.migrationTo(slot));
    return "ASK " + slot + " " + target.host() + ":" + target.port();
  }
}
