package io.corvid.cluster;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The messages nodes exchange over the cluster bus. {@link #encode()} writes a protocol version
 * byte ({@link #PROTOCOL_VERSION}), a type byte, then the fields big-endian;
 * {@link #decode(byte[])} reads them back or throws IllegalArgumentException.
 */
public sealed interface ClusterMessage {
  byte PROTOCOL_VERSION = 1;

  /**
   * Sent by every node to the coordinator of a new view: who it is, the newest topology it
   * applied, the highest epoch it promised, whether it is leaving, and its replication offset of
   * each slot it holds (for failover: the most up-to-date replica is promoted).
   */
  record StateReport(long viewId, Member member, Topology applied, long promisedEpoch, boolean leaving,
      int[] slots, long[] offsets) implements ClusterMessage {}

  /** Coordinator to all: phase 1 of a decision; promise to accept no lower epoch. */
  record Prepare(long viewId, long epoch) implements ClusterMessage {}

  /** Answer to Prepare; when refused, {@code promisedEpoch} is the higher promise held. */
  record Promise(long viewId, long epoch, boolean granted, long promisedEpoch) implements ClusterMessage {}

  /** Coordinator to all: the decided topology; applied by nodes whose epoch is lower. */
  record Commit(Topology topology) implements ClusterMessage {}

  /**
   * A primary to the coordinator: these migrating slots are paused and their targets have acked
   * every write, so they can switch. {@code targets[i]} is the target of {@code slots[i]}.
   */
  record MigrationReady(long epoch, int[] slots, NodeId[] targets) implements ClusterMessage {}

  /** A node to the coordinator: hand my slots over, then remove me. */
  record LeaveRequest(NodeId node) implements ClusterMessage {}

  byte T_REPORT = 1;
  byte T_PREPARE = 2;
  byte T_PROMISE = 3;
  byte T_COMMIT = 4;
  byte T_READY = 5;
  byte T_LEAVE = 6;

  default byte[] encode() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(PROTOCOL_VERSION);
      switch (this) {
        case StateReport r -> {
          out.writeByte(T_REPORT);
          out.writeLong(r.viewId());
          writeMember(out, r.member());
          byte[] t = r.applied().encode();
          out.writeInt(t.length);
          out.write(t);
          out.writeLong(r.promisedEpoch());
          out.writeBoolean(r.leaving());
          out.writeInt(r.slots().length);
          for (int i = 0; i < r.slots().length; i++) {
            out.writeShort(r.slots()[i]);
            out.writeLong(r.offsets()[i]);
          }
        }
        case Prepare p -> {
          out.writeByte(T_PREPARE);
          out.writeLong(p.viewId());
          out.writeLong(p.epoch());
        }
        case Promise p -> {
          out.writeByte(T_PROMISE);
          out.writeLong(p.viewId());
          out.writeLong(p.epoch());
          out.writeBoolean(p.granted());
          out.writeLong(p.promisedEpoch());
        }
        case Commit c -> {
          out.writeByte(T_COMMIT);
          out.write(c.topology().encode());
        }
        case MigrationReady m -> {
          out.writeByte(T_READY);
          out.writeLong(m.epoch());
          out.writeInt(m.slots().length);
          for (int i = 0; i < m.slots().length; i++) {
            out.writeShort(m.slots()[i]);
            out.write(m.targets()[i].hex().getBytes(StandardCharsets.US_ASCII));
          }
        }
        case LeaveRequest l -> {
          out.writeByte(T_LEAVE);
          out.write(l.node().hex().getBytes(StandardCharsets.US_ASCII));
        }
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ClusterMessage decode(byte[] bytes) {
    try {
      DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
      byte version = in.readByte();
      if (version != PROTOCOL_VERSION) {
        throw new IllegalArgumentException("unknown cluster protocol version " + version);
      }
      byte type = in.readByte();
      ClusterMessage m = switch (type) {
        case T_REPORT -> {
          long viewId = in.readLong();
          Member member = readMember(in);
          int len = in.readInt();
          if (len < 0 || len > bytes.length) {
            throw new IllegalArgumentException("bad topology length");
          }
          byte[] t = new byte[len];
          in.readFully(t);
          Topology applied = Topology.decode(t);
          long promised = in.readLong();
          boolean leaving = in.readBoolean();
          int n = in.readInt();
          if (n < 0 || n > io.corvid.common.SlotHash.SLOT_COUNT) {
            throw new IllegalArgumentException("bad offset count");
          }
          int[] slots = new int[n];
          long[] offsets = new long[n];
          for (int i = 0; i < n; i++) {
            slots[i] = checkSlot(in.readUnsignedShort());
            offsets[i] = in.readLong();
          }
          yield new StateReport(viewId, member, applied, promised, leaving, slots, offsets);
        }
        case T_PREPARE -> new Prepare(in.readLong(), in.readLong());
        case T_PROMISE -> new Promise(in.readLong(), in.readLong(), in.readBoolean(), in.readLong());
        case T_COMMIT -> new Commit(Topology.decode(in.readAllBytes()));
        case T_READY -> {
          long epoch = in.readLong();
          int n = in.readInt();
          if (n < 0 || n > io.corvid.common.SlotHash.SLOT_COUNT) {
            throw new IllegalArgumentException("bad slot count");
          }
          int[] slots = new int[n];
          NodeId[] targets = new NodeId[n];
          for (int i = 0; i < n; i++) {
            slots[i] = checkSlot(in.readUnsignedShort());
            targets[i] = readId(in);
          }
          yield new MigrationReady(epoch, slots, targets);
        }
        case T_LEAVE -> new LeaveRequest(readId(in));
        default -> throw new IllegalArgumentException("unknown cluster message type " + type);
      };
      if (in.available() > 0) {
        throw new IllegalArgumentException("trailing bytes after cluster message");
      }
      return m;
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated cluster message", e);
    }
  }

  private static int checkSlot(int slot) {
    if (slot >= io.corvid.common.SlotHash.SLOT_COUNT) {
      throw new IllegalArgumentException("slot out of range: " + slot);
    }
    return slot;
  }

  private static NodeId readId(DataInputStream in) throws IOException {
    byte[] id = new byte[NodeId.HEX_LENGTH];
    in.readFully(id);
    return new NodeId(new String(id, StandardCharsets.US_ASCII));
  }

  private static void writeMember(DataOutputStream out, Member m) throws IOException {
    out.write(m.id().hex().getBytes(StandardCharsets.US_ASCII));
    out.writeUTF(m.host());
    out.writeShort(m.clientPort());
    out.writeShort(m.busPort());
    out.writeShort(m.weight());
  }

  private static Member readMember(DataInputStream in) throws IOException {
    NodeId id = readId(in);
    String host = in.readUTF();
    return new Member(id, host, in.readUnsignedShort(), in.readUnsignedShort(), in.readUnsignedShort());
  }

  /** Equality of two messages by content (records with arrays compare by identity otherwise). */
  static boolean sameContent(ClusterMessage a, ClusterMessage b) {
    return Arrays.equals(a.encode(), b.encode());
  }
}
