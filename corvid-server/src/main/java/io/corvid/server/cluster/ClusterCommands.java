package io.corvid.server.cluster;

import io.corvid.common.SlotHash;
import io.corvid.resp.RespVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.corvid.resp.RespWriter;
import io.corvid.server.ClientConnection;
import io.corvid.server.Node;
import io.corvid.server.command.CommandContext;
import io.corvid.server.command.CommandException;
import io.corvid.server.command.CommandRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Redis Cluster commands a cluster client needs: CLUSTER SHARDS, SLOTS, NODES, INFO, MYID,
 * KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT, HELP; READONLY, READWRITE and ASKING. Replies have the
 * shapes of Redis 7.0 (compared with a real Redis cluster), built from the current {@link
 * SlotTable}. On a node not in cluster mode each answers {@code ERR This instance has cluster
 * support disabled}, as Redis does.
 *
 * <p>Epochs are the cluster core's: CLUSTER INFO's {@code cluster_current_epoch} and the config
 * epoch in CLUSTER NODES are the epoch of the topology this node applied. CLUSTER INFO adds
 * {@code cluster_migrating_slots} (slots of that topology being moved) and reports {@code
 * cluster_state:fail} while this node is cut off in a minority.
 *
 * <p>Without a data plane replicas hold no data, so they are reported as Redis reports replicas
 * that have not synced: {@code health loading} in CLUSTER SHARDS, left out of CLUSTER SLOTS; with
 * one they are listed and {@code online}. A Corvid node is primary of some slots and replica of
 * others, which CLUSTER NODES (one role per node) cannot say: there every node is a master of its
 * primary slots.
 */
public final class ClusterCommands {
  public static final String DISABLED = "ERR This instance has cluster support disabled";
  /** Redis prints 0 for the "ping sent" and "pong received" times of the node itself. */
  private static final String CONNECTED = "connected";

  private ClusterCommands() {}

  public static void register(CommandRegistry registry) {
    registry.register("cluster|info", ctx -> info(ctx, state(ctx)));
    registry.register("cluster|myid", ctx -> ctx.replyBulk(self(ctx).nodeId()));
    registry.register("cluster|nodes", ctx -> nodes(ctx, state(ctx)));
    registry.register("cluster|slots", ctx -> slots(ctx, state(ctx)));
    registry.register("cluster|shards", ctx -> shards(ctx, state(ctx)));
    registry.register("cluster|keyslot", ctx -> {
      state(ctx);
      ctx.replyInteger(SlotHash.slot(ctx.request().buffer(), ctx.request().offset(2), ctx.request().length(2)));
    });
    registry.register("cluster|countkeysinslot", ctx -> {
      state(ctx);
      long slot = ctx.argLong(2);
      if (slot < 0 || slot >= SlotHash.SLOT_COUNT) {
        throw new CommandException("ERR Invalid slot");
      }
      ctx.replyInteger(ctx.keyspace().countKeysInSlot((int) slot));
    });
    registry.register("cluster|getkeysinslot", ctx -> {
      state(ctx);
      long slot = ctx.argLong(2);
      long max = ctx.argLong(3);
      if (slot < 0 || slot >= SlotHash.SLOT_COUNT || max < 0) {
        throw new CommandException("ERR Invalid slot or number of keys");
      }
      List<byte[]> keys = new ArrayList<>();
      ctx.keyspace().keysInSlot((int) slot, (int) Math.min(max, Integer.MAX_VALUE),
          (key, off, len, type) -> keys.add(Arrays.copyOfRange(key, off, off + len)));
      ctx.replyArrayHeader(keys.size());
      for (byte[] k : keys) {
        ctx.replyBulk(k);
      }
    });
    registry.register("cluster|help", ClusterCommands::help);
    registry.register("readonly", ctx -> {
      state(ctx);
      ctx.session().setReadonlyMode(true);
      ctx.replyOk();
    });
    registry.register("readwrite", ctx -> {
      state(ctx);
      ctx.session().setReadonlyMode(false);
      ctx.replyOk();
    });
    registry.register("asking", ctx -> {
      state(ctx);
      ctx.session().setAsking(true);
      ctx.replyOk();
    });
  }

  private static ClusterState state(CommandContext ctx) {
    Node node = ((ClientConnection) ctx).server();
    ClusterState s = node.cluster();
    if (s == null) {
      throw new CommandException(DISABLED);
    }
    return s;
  }

  private static ClusterMember self(CommandContext ctx) {
    ClusterMember m = state(ctx).self();
    if (m == null) {
      throw new CommandException("CLUSTERDOWN This node has not joined the cluster yet");
    }
    return m;
  }

  // ------------------------------------------------------------------ INFO

  static void info(CommandContext ctx, ClusterState state) {
    SlotTable t = state.table();
    int masters = 0;
    for (int i = 0; i < t.members().size(); i++) {
      if (t.primarySlotCount(i) > 0) {
        masters++;
      }
    }
    boolean minority = state.core() != null && state.core().inMinority();
    String text = "cluster_state:" + (t.allSlotsServed() && t.self() != SlotTable.NO_NODE && !minority ? "ok" : "fail") + "\r\n"
        + "cluster_slots_assigned:" + t.assignedSlots() + "\r\n"
        + "cluster_slots_ok:" + t.assignedSlots() + "\r\n"
        + "cluster_slots_pfail:0\r\n"
        + "cluster_slots_fail:0\r\n"
        + "cluster_known_nodes:" + t.members().size() + "\r\n"
        + "cluster_size:" + masters + "\r\n"
        + "cluster_current_epoch:" + t.epoch() + "\r\n"
        + "cluster_my_epoch:" + t.epoch() + "\r\n"
        + "cluster_stats_messages_sent:" + state.messagesSent() + "\r\n"
        + "cluster_stats_messages_received:" + state.messagesReceived() + "\r\n"
        + "total_cluster_links_buffer_limit_exceeded:0\r\n"
        + "cluster_migrating_slots:" + t.migrationCount() + "\r\n";
    RespWriter.verbatim(ctx.out(), ctx.resp(), text);
  }

  // ------------------------------------------------------------------ NODES

  static void nodes(CommandContext ctx, ClusterState state) {
    SlotTable t = state.table();
    if (t.nodesText == null) {
      t.nodesText = nodesText(t);
    }
    RespWriter.verbatim(ctx.out(), ctx.resp(), t.nodesText);
  }

  /** One line per node: id addr flags master ping-sent pong-recv config-epoch link-state slots... */
  static String nodesText(SlotTable t) {
    StringBuilder b = new StringBuilder();
    Map<Integer, StringBuilder> slotsOf = new LinkedHashMap<>();
    for (SlotTable.Range r : t.ranges()) {
      StringBuilder s = slotsOf.computeIfAbsent(r.primary(), k -> new StringBuilder());
      s.append(' ').append(r.start());
      if (r.end() != r.start()) {
        s.append('-').append(r.end());
      }
    }
    for (int i = 0; i < t.members().size(); i++) {
      ClusterMember m = t.member(i);
      b.append(m.nodeId()).append(' ').append(m.nodesAddress()).append(' ')
          .append(i == t.self() ? "myself,master" : "master").append(" - 0 0 ")
          .append(t.epoch()).append(' ').append(CONNECTED);
      StringBuilder s = slotsOf.get(i);
      if (s != null) {
        b.append(s);
      }
      b.append('\n');
    }
    return b.toString();
  }

  // ------------------------------------------------------------------ SLOTS

  static void slots(CommandContext ctx, ClusterState state) {
    SlotTable t = state.table();
    boolean resp3 = ctx.resp() == RespVersion.RESP3;
    byte[] reply = resp3 ? t.slotsReplyResp3 : t.slotsReplyResp2;
    if (reply == null) {
      reply = encodeSlots(t, ctx.resp(), state.replicasServeData());
      if (resp3) {
        t.slotsReplyResp3 = reply;
      } else {
        t.slotsReplyResp2 = reply;
      }
    }
    ctx.out().writeBytes(reply);
  }

  static byte[] encodeSlots(SlotTable t, RespVersion v, boolean withReplicas) {
    ByteBuf out = Unpooled.buffer();
    RespWriter.arrayHeader(out, t.ranges().size());
    for (SlotTable.Range r : t.ranges()) {
      // Replicas are left out while they hold no data, as Redis leaves out replicas not in sync.
      int[] replicas = withReplicas ? r.replicas() : new int[0];
      RespWriter.arrayHeader(out, 3 + replicas.length);
      RespWriter.integer(out, r.start());
      RespWriter.integer(out, r.end());
      slotsNode(out, v, t.member(r.primary()));
      for (int rep : replicas) {
        slotsNode(out, v, t.member(rep));
      }
    }
    byte[] bytes = new byte[out.readableBytes()];
    out.readBytes(bytes);
    return bytes;
  }

  private static void slotsNode(ByteBuf out, RespVersion v, ClusterMember m) {
    RespWriter.arrayHeader(out, 4);
    RespWriter.bulk(out, m.host());
    RespWriter.integer(out, m.port());
    RespWriter.bulk(out, m.nodeId());
    RespWriter.mapHeader(out, v, 0);
  }

  // ------------------------------------------------------------------ SHARDS

  static void shards(CommandContext ctx, ClusterState state) {
    SlotTable t = state.table();
    // A shard: the slot ranges that share one primary and the same replicas.
    Map<String, List<SlotTable.Range>> shards = new LinkedHashMap<>();
    for (SlotTable.Range r : t.ranges()) {
      shards.computeIfAbsent(r.primary() + Arrays.toString(r.replicas()), k -> new ArrayList<>()).add(r);
    }
    ctx.replyArrayHeader(shards.size());
    for (List<SlotTable.Range> ranges : shards.values()) {
      SlotTable.Range first = ranges.get(0);
      ctx.replyMapHeader(2);
      ctx.replyBulk("slots");
      ctx.replyArrayHeader(ranges.size() * 2L);
      for (SlotTable.Range r : ranges) {
        ctx.replyInteger(r.start());
        ctx.replyInteger(r.end());
      }
      ctx.replyBulk("nodes");
      ctx.replyArrayHeader(1 + first.replicas().length);
      shardNode(ctx, t.member(first.primary()), "master", "online");
      for (int rep : first.replicas()) {
        shardNode(ctx, t.member(rep), "replica", state.replicasServeData() ? "online" : "loading");
      }
    }
  }

  private static void shardNode(CommandContext ctx, ClusterMember m, String role, String health) {
    ctx.replyMapHeader(7);
    ctx.replyBulk("id");
    ctx.replyBulk(m.nodeId());
    ctx.replyBulk("port");
    ctx.replyInteger(m.port());
    ctx.replyBulk("ip");
    ctx.replyBulk(m.host());
    ctx.replyBulk("endpoint");
    ctx.replyBulk(m.host());
    ctx.replyBulk("role");
    ctx.replyBulk(role);
    ctx.replyBulk("replication-offset");
    ctx.replyInteger(0);
    ctx.replyBulk("health");
    ctx.replyBulk(health);
  }

  // ------------------------------------------------------------------ HELP

  private static void help(CommandContext ctx) {
    state(ctx);
    String[] lines = {
        "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "COUNTKEYSINSLOT <slot>",
        "    Return the number of keys in <slot>.",
        "GETKEYSINSLOT <slot> <count>",
        "    Return key names stored by current node in a slot.",
        "INFO",
        "    Return information about the cluster.",
        "KEYSLOT <key>",
        "    Return the hash slot for <key>.",
        "MYID",
        "    Return the node id.",
        "NODES",
        "    Return cluster configuration seen by node. Output format:",
        "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
        "SLOTS",
        "    Return information about slots range mappings. Each range is made of:",
        "    start, end, master and replicas IP addresses, ports and ids",
        "SHARDS",
        "    Return information about slot range mappings and the nodes associated with them.",
        "HELP",
        "    Prints this help."};
    ctx.replyArrayHeader(lines.length);
    for (String l : lines) {
      ctx.replySimple(l);
    }
  }

}
