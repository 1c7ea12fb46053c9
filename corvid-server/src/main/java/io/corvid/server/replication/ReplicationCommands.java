package io.corvid.server.replication;

import io.corvid.cluster.NodeId;
import io.corvid.common.SlotHash;
import io.corvid.server.ClientConnection;
import io.corvid.server.command.CommandContext;
import io.corvid.server.command.CommandException;
import io.corvid.server.command.CommandRegistry;
import java.util.concurrent.TimeUnit;

/**
 * {@code WAIT numreplicas timeout}, and the internal commands a follower sends on its replication
 * connection: {@code CORVID.SYNC nodeid (slot seq history offset)...}, {@code CORVID.UNSYNC
 * slot...}, {@code CORVID.ACK (slot offset)...}. The internal ones write no reply: the connection
 * carries the replication stream ({@link Frames}) back instead. They need authentication like any
 * command.
 */
public final class ReplicationCommands {
  private ReplicationCommands() {}

  public static void register(CommandRegistry registry) {
    registry.register("wait", ReplicationCommands::waitCommand);
    registry.register("corvid.sync", ReplicationCommands::sync);
    registry.register("corvid.unsync", ReplicationCommands::unsync);
    registry.register("corvid.ack", ReplicationCommands::ack);
  }

  private static void waitCommand(CommandContext ctx) {
    ClientConnection c = (ClientConnection) ctx;
    long numreplicas = c.argLong(1);
    long timeout;
    try {
      timeout = Long.parseLong(c.arg(2));
    } catch (NumberFormatException e) {
      throw new CommandException("ERR timeout is not an integer or out of range");
    }
    if (timeout < 0) {
      throw new CommandException("ERR timeout is negative");
    }
    Replication r = c.server().replication();
    if (r != null) {
      r.await(c, numreplicas, timeout);
      return;
    }
    // No replication (standalone): no replica will ever ack. As Redis with no replicas: 0 at once
    // when none are asked for, else 0 after the timeout (0 = wait for ever).
    if (numreplicas <= 0) {
      c.replyInteger(0);
      return;
    }
    c.deferReply();
    if (timeout > 0) {
      c.channel().eventLoop().schedule(() -> c.resumeDeferred(conn -> conn.replyInteger(0)), timeout, TimeUnit.MILLISECONDS);
    }
  }

  private static Replication replication(ClientConnection c) {
    Replication r = c.server().replication();
    if (r == null) {
      throw new CommandException("ERR This instance has cluster support disabled");
    }
    return r;
  }

  private static void sync(CommandContext ctx) {
    ClientConnection c = (ClientConnection) ctx;
    Replication r = replication(c);
    int argc = c.request().argc();
    if ((argc - 2) % 4 != 0) {
      throw new CommandException("ERR wrong number of arguments for 'corvid.sync' command");
    }
    NodeId follower;
    try {
      follower = NodeId.of(c.arg(1));
    } catch (IllegalArgumentException e) {
      throw new CommandException("ERR Invalid node id " + c.arg(1));
    }
    int n = (argc - 2) / 4;
    int[] slots = new int[n];
    int[] seqs = new int[n];
    long[] histories = new long[n];
    long[] offsets = new long[n];
    for (int i = 0; i < n; i++) {
      int a = 2 + 4 * i;
      slots[i] = slot(c, a);
      seqs[i] = (int) c.argLong(a + 1);
      histories[i] = c.argLong(a + 2);
      offsets[i] = c.argLong(a + 3);
    }
    r.sync(c, follower, slots, seqs, histories, offsets);
  }

  private static void unsync(CommandContext ctx) {
    ClientConnection c = (ClientConnection) ctx;
    Replication r = replication(c);
    int[] slots = new int[c.request().argc() - 1];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = slot(c, i + 1);
    }
    r.unsync(c, slots);
  }

  private static void ack(CommandContext ctx) {
    ClientConnection c = (ClientConnection) ctx;
    Replication r = replication(c);
    int argc = c.request().argc();
    if ((argc - 1) % 2 != 0) {
      throw new CommandException("ERR wrong number of arguments for 'corvid.ack' command");
    }
    int n = (argc - 1) / 2;
    int[] slots = new int[n];
    long[] offsets = new long[n];
    for (int i = 0; i < n; i++) {
      slots[i] = slot(c, 1 + 2 * i);
      offsets[i] = c.argLong(2 + 2 * i);
    }
    r.ack(c, slots, offsets);
  }

  private static int slot(ClientConnection c, int arg) {
    long s = c.argLong(arg);
    if (s < 0 || s >= SlotHash.SLOT_COUNT) {
      throw new CommandException("ERR Invalid or out of range slot");
    }
    return (int) s;
  }
}
