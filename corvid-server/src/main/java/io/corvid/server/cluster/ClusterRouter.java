package io.corvid.server.cluster;

import io.corvid.common.SlotHash;
import io.corvid.resp.Request;
import io.corvid.server.ClientConnection;
import io.corvid.server.command.CommandSpec;
import java.util.List;

/**
 * The dispatcher's cluster check (Redis's getNodeByQuery): the slot of the command's keys, read
 * from the key positions in the command metadata, then the owner of that slot in the current
 * {@link SlotTable}. Answers null when this node serves the command, else the error to reply:
 *
 * <ul>
 *   <li>{@code CROSSSLOT Keys in request don't hash to the same slot} when keys fall in two slots;
 *   <li>{@code CLUSTERDOWN Hash slot not served} when nobody owns the slot, {@code CLUSTERDOWN The
 *       cluster is down} when some slot has no owner (Redis refuses keyed commands then);
 *   <li>{@code MOVED <slot> <host>:<port>} naming the slot's primary, unless this node holds a
 *       replica of the slot, the connection said READONLY and the command does not write.
 * </ul>
 *
 * <p>For EXEC the keys of all queued commands count together, as in Redis: keys of two slots in
 * one transaction get CROSSSLOT at EXEC, and the transaction is discarded.
 *
 * <p>Commands without keys always run here. The check allocates nothing unless it rejects: slots
 * are hashed in place in the request arena and the table lookups are array reads.
 */
public final class ClusterRouter {
  public static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
  public static final String SLOT_NOT_SERVED = "CLUSTERDOWN Hash slot not served";
  public static final String CLUSTER_DOWN = "CLUSTERDOWN The cluster is down";

  private final ClusterState state;
  /** EXEC: the check covers the keys of every queued command (compared by identity). */
  private final CommandSpec exec;

  public ClusterRouter(ClusterState state, CommandSpec exec) {
    this.state = state;
    this.exec = exec;
  }

  public ClusterState state() {
    return state;
  }

  /** Null when this node runs the command; else the error line (without '-'). */
  public String route(ClientConnection c, CommandSpec spec, Request r) {
    if (c.asking() && !spec.name().equals("asking")) {
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
    return owner(c, slot, spec.has(CommandSpec.FLAG_WRITE));
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
    int last = spec.lastKey();
    if (last < 0) {
      last += argc;
    }
    if (last >= argc) {
      last = argc - 1;
    }
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
    String error = slot == NO_SLOT ? null : slot == CROSS_SLOT ? CROSSSLOT : owner(c, slot, writes);
    if (error != null) {
      c.discardMulti();
      c.unwatchAll();
    }
    return error;
  }

  private String owner(ClientConnection c, int slot, boolean write) {
    SlotTable table = state.table();
    int primary = table.primaryOf(slot);
    if (primary == SlotTable.NO_NODE) {
      return SLOT_NOT_SERVED;
    }
    if (!table.allSlotsServed()) {
      return CLUSTER_DOWN;
    }
    if (primary == table.self()) {
      return null;
    }
    if (c.readonlyMode() && !write && table.isLocalReplica(slot)) {
      return null;
    }
    ClusterMember owner = table.member(primary);
    return "MOVED " + slot + " " + owner.host() + ":" + owner.port();
  }
}
