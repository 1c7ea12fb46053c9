package io.corvid.server.cluster;

import io.corvid.common.SlotHash;
import io.corvid.resp.Request;
import io.corvid.server.command.CommandSpec;
import io.corvid.server.command.Session;

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
 * <p>Commands without keys always run here. The check allocates nothing unless it rejects: slots
 * are hashed in place in the request arena and the table lookups are array reads.
 */
public final class ClusterRouter {
  public static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
  public static final String SLOT_NOT_SERVED = "CLUSTERDOWN Hash slot not served";
  public static final String CLUSTER_DOWN = "CLUSTERDOWN The cluster is down";

  private final ClusterState state;

  public ClusterRouter(ClusterState state) {
    this.state = state;
  }

  public ClusterState state() {
    return state;
  }

  /** Null when this node runs the command; else the error line (without '-'). */
  public String route(Session session, CommandSpec spec, Request r) {
    boolean asking = session.asking();
    if (asking && !spec.name().equals("asking")) {
      // ASKING covers the one command after it, as in Redis.
      session.setAsking(false);
    }
    int first = spec.firstKey();
    int argc = r.argc();
    if (first <= 0 || first >= argc) {
      return null;
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
    int slot = SlotHash.slot(buf, r.offset(first), r.length(first));
    for (int i = first + step; i <= last; i += step) {
      if (SlotHash.slot(buf, r.offset(i), r.length(i)) != slot) {
        return CROSSSLOT;
      }
    }
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
    if (session.readonlyMode() && !spec.has(CommandSpec.FLAG_WRITE) && table.isLocalReplica(slot)) {
      return null;
    }
    ClusterMember owner = table.member(primary);
    return "MOVED " + slot + " " + owner.host() + ":" + owner.port();
  }
}
