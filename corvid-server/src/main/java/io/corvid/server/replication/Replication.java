package io.corvid.server.replication;

import static io.corvid.common.SlotHash.SLOT_COUNT;

import io.corvid.cluster.Member;
import io.corvid.cluster.NodeId;
import io.corvid.cluster.SlotRole;
import io.corvid.cluster.Topology;
import io.corvid.common.SlotHash;
import io.corvid.server.ClientConnection;
import io.corvid.server.Node;
import io.corvid.server.cluster.SlotDataPlane;
import io.corvid.storage.EntryFormatException;
import io.corvid.storage.Keyspace;
import io.corvid.storage.KeyspaceListener;
import io.corvid.storage.ValueType;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's data plane: per-slot effects replication from a slot's primary to its replicas and
 * to a migration target, snapshots, and {@code WAIT}. The control plane ({@code ClusterService})
 * tells it each slot's role; see {@link SlotDataPlane} for the contract and docs/architecture.md,
 * "Replication", for the whole path.
 *
 * <h2>Primary</h2>
 * It is the keyspace's listener (composed with WATCH and tracking): every change of a key in a
 * slot this node is primary of (database 0) is noted, and after the command ({@link
 * #afterCommand}, from the dispatcher, lock held) the key's new state is looked up and appended to
 * the slot's {@link Backlog} as one entry frame with the next offset: the storage engine's DUMP
 * payload and absolute expiry, or a delete. Expiry is not sent (a replica expires the key itself at
 * the same absolute time); evictions are (as deletes). Followers connect to this node's client
 * port and send {@code CORVID.SYNC}; a {@link Session} per follower connection pumps each followed
 * slot: the handshake ('C'ontinue from the backlog, or a 'S'napshot in {@link
 * #SNAPSHOT_CHUNK_BYTES} chunks, each taken under the lock), then live entries from the backlog. It
 * pumps only while the channel is writable and at most {@link #PUMP_BATCH_BYTES} per hold of the
 * lock, so a slow follower costs memory only in the bounded backlog: when its next entry was
 * trimmed, it gets a snapshot instead.
 *
 * <h2>Follower</h2>
 * One {@link Link} per primary (one connection, many slots). Frames are applied under the node
 * lock; each applied offset is reported to the control plane ({@code localOffset}) under that lock
 * and acked to the primary ({@code CORVID.ACK}) after each read batch.
 *
 * <h2>Histories</h2>
 * Offsets count entries per slot and continue across a change of primary (a promoted replica goes
 * on from its own offset). Each primary term has a random history id; a follower's request names
 * the history and offset of its data, and continues only if the primary's backlog holds what
 * follows in that same history (or the history the primary itself followed, up to where it was
 * promoted), as Redis's PSYNC with its two replication ids. Otherwise: a snapshot.
 *
 * <p>All state is guarded by the node lock.
 */
public final class Replication implements SlotDataPlane, KeyspaceListener {
  private static final Logger log = LoggerFactory.getLogger("corvid");

  /** Bytes of one snapshot chunk (one Keyspace.dumpSlot call under the lock). */
  public static final int SNAPSHOT_CHUNK_BYTES = 64 * 1024;
  /** Most bytes one pump step encodes for a follower under one hold of the lock. */
  public static final int PUMP_BATCH_BYTES = 256 * 1024;
  /** A follower with nothing to ack acks anyway this often (keeps idle timeouts away). */
  public static final long HEARTBEAT_MILLIS = 1_000;
  /** The data plane's own timer: leftover writes (evictions by the cron), heartbeats. */
  public static final long TICK_MILLIS = 100;
  public static final long RECONNECT_MIN_MILLIS = 100;
  public static final long RECONNECT_MAX_MILLIS = 2_000;
  /** A follower told "not primary" asks again after this long (the primary may be behind on the topology). */
  public static final long NOT_PRIMARY_RETRY_MILLIS = 250;
  /** Keys dropped per hold of the node lock (a slot this node no longer holds, a snapshot's start). */
  public static final int DROP_KEYS_PER_LOCK = 1_000;
  /** Slots named in one CORVID.SYNC / UNSYNC / ACK request. */
  static final int SLOTS_PER_REQUEST = 512;
  /** Follower link write buffer marks (a follower sends only requests and acks). */
  private static final WriteBufferWaterMark LINK_MARKS = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

  private static final byte IDLE = 0;
  private static final byte AWAIT = 1;
  private static final byte SNAPSHOTTING = 2;
  private static final byte LIVE = 3;
  private static final SlotRole[] ROLES = SlotRole.values();

  private final Node node;
  private final Keyspace keyspace;
  private final ReentrantLock lock;
  private final SecureRandom random = new SecureRandom();
  private ControlPlane control;
  private EventLoopGroup group;
  private ScheduledFuture<?> ticker;
  private volatile boolean stopped;

  // per slot
  private final byte[] role = new byte[SLOT_COUNT];
  private final long[] offset = new long[SLOT_COUNT];
  private final long[] history = new long[SLOT_COUNT];
  private final long[] prevHistory = new long[SLOT_COUNT];
  private final long[] prevEnd = new long[SLOT_COUNT];
  /** Bumped on every role change of the slot, so background drops stop when the slot comes back. */
  private final int[] generation = new int[SLOT_COUNT];
  private final Backlog backlog;

  // primary side
  private final Map<Long, Session> sessions = new HashMap<>();
  private final Session[][] followersBySlot = new Session[SLOT_COUNT][];
  /** Acked offsets per follower node id, per slot (for WAIT). */
  private final Map<NodeId, long[]> acked = new HashMap<>();

  // follower side
  private final Map<NodeId, Link> links = new HashMap<>();
  private final Link[] linkOf = new Link[SLOT_COUNT];
  private final byte[] followState = new byte[SLOT_COUNT];
  private final int[] followSeq = new int[SLOT_COUNT];
  private final long[] snapshotOffset = new long[SLOT_COUNT];
  private int nextSeq;

  // writes noted by the listener, turned into entries after the command
  private byte[][] pendingKeys = new byte[16][];
  private int[] pendingSlots = new int[16];
  private int pendingCount;

  private final List<Waiter> waiters = new ArrayList<>();

  // INFO
  long snapshotsSent;
  long continuesSent;
  long snapshotsReceived;
  long entriesApplied;
  long resyncs;

  public Replication(Node node) {
    this.node = node;
    this.keyspace = node.keyspace();
    this.lock = node.lock();
    this.backlog = new Backlog(node.config().replBacklogSize());
    Arrays.fill(role, (byte) SlotRole.NONE.ordinal());
    Arrays.fill(offset, -1);
    Arrays.fill(prevEnd, -1);
    Arrays.fill(snapshotOffset, -1);
  }

  // =========================================================================== lifecycle

  @Override
  public void start(ControlPlane control) {
    this.control = control;
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ticker = group.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() {
    if (stopped) {
      return; // idempotent: the control plane and the server may both stop it
    }
    stopped = true;
    lock.lock();
    try {
      for (Link l : new ArrayList<>(links.values())) {
        l.close();
      }
      links.clear();
      for (Waiter w : new ArrayList<>(waiters)) {
        complete(w);
      }
    } finally {
      lock.unlock();
    }
    if (ticker != null) {
      ticker.cancel(false);
    }
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  /** CONFIG SET repl-backlog-size (lock held). */
  public void setBacklogSize(long bytes) {
    backlog.setLimit(bytes);
  }

  // =========================================================================== roles

  @Override
  public void slotRoleChanged(int slot, SlotRole before, SlotRole after, Member primary) {
    lock.lock();
    try {
      SlotRole was = ROLES[role[slot]];
      role[slot] = (byte) after.ordinal();
      generation[slot]++;
      if (was == SlotRole.PRIMARY && after != SlotRole.PRIMARY) {
        stopServing(slot);
      }
      switch (after) {
        case PRIMARY -> {
          if (was != SlotRole.PRIMARY) {
            unfollow(slot);
            prevHistory[slot] = history[slot];
            prevEnd[slot] = offset[slot];
            history[slot] = newHistory();
            if (offset[slot] < 0) {
              offset[slot] = 0;
            }
            backlog.reset(slot, offset[slot]);
            control.localOffset(slot, offset[slot]);
          }
        }
        case REPLICA, IMPORTING -> {
          if (primary == null || primary.id().equals(control.self().id())) {
            unfollow(slot);
          } else {
            follow(slot, primary);
          }
        }
        case NONE -> {
          unfollow(slot);
          offset[slot] = -1;
          history[slot] = 0;
          if (was != SlotRole.NONE) {
            dropInBackground(slot);
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void topologyChanged(Topology previous, Topology current) {
    // Roles arrive through slotRoleChanged; WAIT reads the replicas from control.topology(). Acks of
    // nodes that left are forgotten (a node that comes back has a new id).
    lock.lock();
    try {
      acked.keySet().removeIf(id -> !current.contains(id));
    } finally {
      lock.unlock();
    }
  }

  private long newHistory() {
    long h;
    do {
      h = random.nextLong();
    } while (h == 0);
    return h;
  }

  /** This node stops being the slot's primary: its followers are told, its backlog forgotten. */
  private void stopServing(int slot) {
    Session[] fs = followersBySlot[slot];
    if (fs != null) {
      for (Session s : fs) {
        s.stopSlot(slot, -1);
      }
      followersBySlot[slot] = null;
    }
    backlog.reset(slot, -1);
  }

  /** Deletes the slot's keys in bounded steps off the caller's thread, while the slot stays unheld. */
  private void dropInBackground(int slot) {
    if (group == null) {
      return;
    }
    int gen = generation[slot];
    group.execute(new Runnable() {
      @Override public void run() {
        int n;
        lock.lock();
        try {
          if (stopped || generation[slot] != gen) {
            return;
          }
          n = keyspace.dropSlot(slot, DROP_KEYS_PER_LOCK);
        } finally {
          lock.unlock();
        }
        if (n > 0) {
          group.execute(this);
        }
      }
    });
  }

  // =========================================================================== write capture (primary)

  @Override
  public void keyChanged(int db, byte[] key, int off, int len, Cause cause) {
    if (db != 0 || cause == Cause.EXPIRE) {
      return;
    }
    int slot = SlotHash.slot(key, off, len);
    if (role[slot] != SlotRole.PRIMARY.ordinal()) {
      return;
    }
    if (pendingCount == pendingKeys.length) {
      pendingKeys = Arrays.copyOf(pendingKeys, pendingCount * 2);
      pendingSlots = Arrays.copyOf(pendingSlots, pendingCount * 2);
    }
    pendingKeys[pendingCount] = Arrays.copyOfRange(key, off, off + len);
    pendingSlots[pendingCount++] = slot;
  }

  @Override
  public void databaseFlushed(int db) {
    if (db != 0 && db != -1) {
      return;
    }
    // Deleted keys are not listed: every followed slot starts over with a snapshot (of an empty slot).
    for (int slot = 0; slot < SLOT_COUNT; slot++) {
      if (role[slot] == SlotRole.PRIMARY.ordinal()) {
        history[slot] = newHistory();
        prevHistory[slot] = 0;
        backlog.reset(slot, offset[slot]);
        Session[] fs = followersBySlot[slot];
        if (fs != null) {
          for (Session s : fs) {
            s.restart(slot);
          }
        }
      }
    }
  }

  /** After each command (lock held): the writes it made become entries. */
  public void afterCommand(ClientConnection c) {
    if (pendingCount > 0) {
      flushPending(c);
    }
  }

  private void flushPending(ClientConnection c) {
    ClientWrites writes = null;
    byte[] previous = null;
    for (int i = 0; i < pendingCount; i++) {
      byte[] key = pendingKeys[i];
      int slot = pendingSlots[i];
      pendingKeys[i] = null;
      if (role[slot] != SlotRole.PRIMARY.ordinal() || Arrays.equals(previous, key)) {
        continue; // a key changed twice in a row by one command is sent once
      }
      previous = key;
      long ref = keyspace.lookup(0, key, 0, key.length, Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS);
      long at = offset[slot] + 1;
      byte[] frame;
      if (ref == Keyspace.NONE) {
        frame = Frames.delete(slot, at, key);
      } else if (keyspace.type(ref) == ValueType.STRING) {
        int len = keyspace.stringLength(ref);
        frame = Frames.keyed(Frames.STRING, slot, at, key, keyspace.expireAt(ref), len);
        keyspace.copyString(ref, 0, frame, frame.length - len, len);
      } else {
        frame = Frames.write(slot, at, key, keyspace.expireAt(ref), keyspace.dump(ref));
      }
      offset[slot] = at;
      backlog.append(slot, frame);
      control.localOffset(slot, at);
      if (c != null) {
        if (writes == null) {
          writes = ClientWrites.of(c);
        }
        writes.put(slot, at);
      }
      Session[] fs = followersBySlot[slot];
      if (fs != null) {
        for (Session s : fs) {
          s.wake(slot);
        }
      }
    }
    pendingCount = 0;
  }

  // =========================================================================== primary: sessions

  /**
   * CORVID.SYNC from a follower (lock held, on the connection's event loop): {@code slots[i]} with
   * the follower's request number, history and offset.
   */
  void sync(ClientConnection c, NodeId follower, int[] slots, int[] seqs, long[] histories, long[] offsets) {
    Session s = sessions.get(c.clientId());
    if (s == null) {
      s = new Session(c, follower);
      sessions.put(c.clientId(), s);
      Session session = s;
      c.channel().pipeline().addFirst("corvid-repl-session", new ChannelInboundHandlerAdapter() {
        @Override public void channelWritabilityChanged(ChannelHandlerContext ctx) {
          if (ctx.channel().isWritable()) {
            session.pump();
          }
          ctx.fireChannelWritabilityChanged();
        }

        @Override public void channelInactive(ChannelHandlerContext ctx) {
          lock.lock();
          try {
            session.close();
          } finally {
            lock.unlock();
          }
          ctx.fireChannelInactive();
        }
      });
    }
    for (int i = 0; i < slots.length; i++) {
      s.request(slots[i], seqs[i], histories[i], offsets[i]);
    }
  }

  /** CORVID.UNSYNC (lock held). */
  void unsync(ClientConnection c, int[] slots) {
    Session s = sessions.get(c.clientId());
    if (s != null) {
      for (int slot : slots) {
        s.drop(slot);
      }
    }
  }

  /** CORVID.ACK (lock held): the follower on this connection applied these offsets. */
  void ack(ClientConnection c, int[] slots, long[] offsets) {
    Session s = sessions.get(c.clientId());
    if (s == null || slots.length == 0) {
      return;
    }
    long[] a = acked.computeIfAbsent(s.follower, k -> {
      long[] fresh = new long[SLOT_COUNT];
      Arrays.fill(fresh, -1);
      return fresh;
    });
    for (int i = 0; i < slots.length; i++) {
      Cursor cur = s.cursors[slots[i]];
      if (cur == null || cur.handshake || offsets[i] < cur.ackFloor) {
        continue; // not following here, or an ack sent before the snapshot now under way
      }
      a[slots[i]] = offsets[i];
      control.replicaAck(slots[i], s.follower, offsets[i]);
    }
    if (!waiters.isEmpty()) {
      for (Waiter w : new ArrayList<>(waiters)) {
        if (count(w.writes) >= w.needed) {
          complete(w);
        }
      }
    }
  }

  private void addFollower(int slot, Session s) {
    Session[] fs = followersBySlot[slot];
    if (fs == null) {
      followersBySlot[slot] = new Session[] {s};
      return;
    }
    for (Session x : fs) {
      if (x == s) {
        return;
      }
    }
    fs = Arrays.copyOf(fs, fs.length + 1);
    fs[fs.length - 1] = s;
    followersBySlot[slot] = fs;
  }

  private void removeFollower(int slot, Session s) {
    Session[] fs = followersBySlot[slot];
    if (fs == null) {
      return;
    }
    int n = 0;
    Session[] kept = new Session[fs.length];
    for (Session x : fs) {
      if (x != s) {
        kept[n++] = x;
      }
    }
    followersBySlot[slot] = n == 0 ? null : Arrays.copyOf(kept, n);
  }

  private boolean canContinue(int slot, long h, long o) {
    if (o < 0 || h == 0) {
      return false;
    }
    if (h == history[slot]) {
      return backlog.covers(slot, o);
    }
    return h == prevHistory[slot] && o == prevEnd[slot] && backlog.covers(slot, o);
  }

  /** What one follower connection is sent: a cursor per followed slot. Lock held unless noted. */
  final class Session {
    final ClientConnection conn;
    final Channel channel;
    final NodeId follower;
    final Cursor[] cursors = new Cursor[SLOT_COUNT];
    private final ArrayDeque<Integer> work = new ArrayDeque<>();
    private final BitSet queued = new BitSet(SLOT_COUNT);
    private boolean pumpScheduled;
    private boolean closed;
    private final java.io.ByteArrayOutputStream chunk = new java.io.ByteArrayOutputStream(SNAPSHOT_CHUNK_BYTES * 2);

    Session(ClientConnection conn, NodeId follower) {
      this.conn = conn;
      this.channel = conn.channel();
      this.follower = follower;
    }

    void request(int slot, int seq, long h, long o) {
      Cursor c = new Cursor();
      c.seq = seq;
      c.reqHistory = h;
      c.reqOffset = o;
      c.handshake = true;
      cursors[slot] = c;
      enqueue(slot);
    }

    /** The slot's history restarted here (FLUSHALL): the follower gets a fresh snapshot. */
    void restart(int slot) {
      Cursor c = cursors[slot];
      if (c != null) {
        c.reqHistory = 0;
        c.handshake = true;
        c.snapshot = false;
        enqueue(slot);
      }
    }

    void drop(int slot) {
      cursors[slot] = null;
      removeFollower(slot, this);
    }

    /** This node no longer serves the slot: tell the follower (seq -1: unasked). */
    void stopSlot(int slot, int seq) {
      if (cursors[slot] != null) {
        cursors[slot] = null;
        ByteBuf b = channel.alloc().ioBuffer(16);
        Frames.notPrimary(b, slot, seq);
        channel.writeAndFlush(b, channel.voidPromise());
      }
    }

    void wake(int slot) {
      Cursor c = cursors[slot];
      if (c != null && !c.handshake && !c.snapshot) {
        enqueue(slot);
      }
    }

    private void enqueue(int slot) {
      if (!queued.get(slot)) {
        queued.set(slot);
        work.addLast(slot);
      }
      if (!pumpScheduled && !closed) {
        pumpScheduled = true;
        channel.eventLoop().execute(this::pump);
      }
    }

    void close() {
      closed = true;
      sessions.remove(conn.clientId());
      for (int slot = 0; slot < SLOT_COUNT; slot++) {
        if (cursors[slot] != null) {
          cursors[slot] = null;
          removeFollower(slot, this);
        }
      }
      work.clear();
    }

    /** On the channel's event loop, without the lock: sends while the channel takes it. */
    void pump() {
      while (true) {
        ByteBuf buf;
        lock.lock();
        try {
          pumpScheduled = false;
          if (closed || !channel.isActive()) {
            return;
          }
          if (!channel.isWritable()) {
            return; // channelWritabilityChanged pumps again
          }
          if (work.isEmpty()) {
            return;
          }
          buf = channel.alloc().ioBuffer(64 * 1024);
          try {
            fill(buf);
          } catch (RuntimeException e) {
            buf.release();
            log.warn("Replication to {} failed: {}", conn.peer(), e.toString());
            channel.close();
            return;
          }
        } finally {
          lock.unlock();
        }
        if (!buf.isReadable()) {
          buf.release();
          return;
        }
        channel.writeAndFlush(buf, channel.voidPromise());
      }
    }

    private void fill(ByteBuf buf) {
      while (buf.readableBytes() < PUMP_BATCH_BYTES && !work.isEmpty()) {
        int slot = work.pollFirst();
        queued.clear(slot);
        Cursor c = cursors[slot];
        if (c != null && step(slot, c, buf)) {
          queued.set(slot);
          work.addLast(slot);
        }
      }
    }

    /** One step of the slot's stream; true when there is more to send now. */
    private boolean step(int slot, Cursor c, ByteBuf buf) {
      if (c.handshake) {
        c.handshake = false;
        if (role[slot] != SlotRole.PRIMARY.ordinal()) {
          cursors[slot] = null;
          Frames.notPrimary(buf, slot, c.seq);
          return false;
        }
        addFollower(slot, this);
        if (canContinue(slot, c.reqHistory, c.reqOffset)) {
          Frames.handshake(buf, Frames.CONTINUE, slot, c.seq, history[slot], c.reqOffset);
          c.next = c.reqOffset + 1;
          continuesSent++;
        } else {
          startSnapshot(slot, c, buf);
        }
        return true;
      }
      if (c.snapshot) {
        chunk.reset();
        long next = keyspace.dumpSlot(slot, c.snapCursor, SNAPSHOT_CHUNK_BYTES, chunk);
        byte[] bytes = chunk.toByteArray();
        Frames.chunk(buf, slot, bytes, 0, bytes.length);
        c.snapCursor = next;
        if (next == 0) {
          if (!backlog.covers(slot, c.snapOffset)) {
            startSnapshot(slot, c, buf); // the writes since the snapshot began were trimmed: again
            return true;
          }
          Frames.snapshotEnd(buf, slot);
          c.snapshot = false;
          c.next = c.snapOffset + 1;
        }
        return true;
      }
      while (c.next <= offset[slot] && buf.readableBytes() < PUMP_BATCH_BYTES) {
        byte[] f = backlog.frame(slot, c.next);
        if (f == null) {
          startSnapshot(slot, c, buf);
          return true;
        }
        buf.writeBytes(f);
        c.next++;
      }
      return c.next <= offset[slot];
    }

    private void startSnapshot(int slot, Cursor c, ByteBuf buf) {
      c.snapshot = true;
      c.snapCursor = 0;
      c.snapOffset = offset[slot];
      // The follower drops its copy now: until it acks the snapshot's offset it counts for nothing
      // (WAIT, failover, a migration switch); acks it sent before this are ignored.
      c.ackFloor = c.snapOffset;
      long[] a = acked.get(follower);
      if (a != null) {
        a[slot] = -1;
      }
      control.replicaAck(slot, follower, -1);
      Frames.handshake(buf, Frames.SNAPSHOT, slot, c.seq, history[slot], c.snapOffset);
      snapshotsSent++;
    }

    /** Entries the follower has not acked yet, summed over its slots (INFO). */
    long lag() {
      long[] a = acked.get(follower);
      long sum = 0;
      for (int slot = 0; slot < SLOT_COUNT; slot++) {
        if (cursors[slot] != null && role[slot] == SlotRole.PRIMARY.ordinal()) {
          sum += Math.max(0, offset[slot] - (a == null ? -1 : a[slot]));
        }
      }
      return sum;
    }
  }

  /** A session's position in one slot's stream. */
  static final class Cursor {
    int seq;
    long reqHistory;
    long reqOffset;
    boolean handshake;
    boolean snapshot;
    long snapCursor;
    long snapOffset;
    /** The next offset to send (live). */
    long next;
    /** Acks below this are stale (sent before the current snapshot began). */
    long ackFloor = -1;
  }

  // =========================================================================== follower: links

  private void follow(int slot, Member primary) {
    Link l = links.get(primary.id());
    if (l != null && (!l.host.equals(primary.host()) || l.port != primary.clientPort())) {
      l.close();
      l = null;
    }
    if (l == null) {
      l = new Link(primary);
      links.put(primary.id(), l);
    }
    if (linkOf[slot] == l && followState[slot] != IDLE) {
      return;
    }
    unfollow(slot);
    linkOf[slot] = l;
    l.slots.set(slot);
    l.requestSync(slot);
  }

  private void unfollow(int slot) {
    Link l = linkOf[slot];
    if (l == null) {
      return;
    }
    linkOf[slot] = null;
    followState[slot] = IDLE;
    l.slots.clear(slot);
    l.requestUnsync(slot);
    if (l.slots.isEmpty()) {
      l.close();
      links.remove(l.primary);
    }
  }

  /** The connection to one primary, for every slot this node follows there. */
  final class Link {
    final NodeId primary;
    final String host;
    final int port;
    final BitSet slots = new BitSet(SLOT_COUNT);
    private final List<Integer> toSync = new ArrayList<>();
    private final List<Integer> toUnsync = new ArrayList<>();
    private final BitSet ackDirty = new BitSet(SLOT_COUNT);
    private Channel channel;
    private boolean ready;
    private boolean connecting;
    private boolean closed;
    private boolean flushScheduled;
    private long backoff = RECONNECT_MIN_MILLIS;
    private long lastSentNanos = System.nanoTime();

    Link(Member m) {
      this.primary = m.id();
      this.host = m.host();
      this.port = m.clientPort();
    }

    void requestSync(int slot) {
      followState[slot] = AWAIT;
      followSeq[slot] = ++nextSeq;
      toSync.add(slot);
      schedule();
    }

    void requestUnsync(int slot) {
      toUnsync.add(slot);
      schedule();
    }

    private void schedule() {
      if (closed || group == null) {
        return;
      }
      if (!ready) {
        connect();
        return;
      }
      if (!flushScheduled) {
        flushScheduled = true;
        channel.eventLoop().execute(() -> {
          lock.lock();
          try {
            flushScheduled = false;
            sendRequests();
          } finally {
            lock.unlock();
          }
        });
      }
    }

    /** Lock held. Writes the pending SYNC / UNSYNC / ACK requests. */
    void sendRequests() {
      if (!ready || closed) {
        return;
      }
      ByteBuf b = channel.alloc().ioBuffer(256);
      if (!toUnsync.isEmpty()) {
        for (int i = 0; i < toUnsync.size(); i += SLOTS_PER_REQUEST) {
          List<Integer> part = toUnsync.subList(i, Math.min(toUnsync.size(), i + SLOTS_PER_REQUEST));
          List<String> args = new ArrayList<>(List.of("CORVID.UNSYNC"));
          part.forEach(s -> args.add(Integer.toString(s)));
          Resp.command(b, args);
        }
        toUnsync.clear();
      }
      if (!toSync.isEmpty()) {
        List<Integer> live = new ArrayList<>();
        for (int slot : toSync) {
          if (linkOf[slot] == this && followState[slot] == AWAIT) {
            live.add(slot);
          }
        }
        toSync.clear();
        for (int i = 0; i < live.size(); i += SLOTS_PER_REQUEST) {
          List<String> args = new ArrayList<>(List.of("CORVID.SYNC", control.self().id().hex()));
          for (int slot : live.subList(i, Math.min(live.size(), i + SLOTS_PER_REQUEST))) {
            args.add(Integer.toString(slot));
            args.add(Integer.toString(followSeq[slot]));
            args.add(Long.toString(history[slot]));
            args.add(Long.toString(offset[slot]));
          }
          Resp.command(b, args);
        }
      }
      sendAcks(b, false);
      if (b.isReadable()) {
        lastSentNanos = System.nanoTime();
        channel.writeAndFlush(b, channel.voidPromise());
      } else {
        b.release();
      }
    }

    private void sendAcks(ByteBuf b, boolean heartbeat) {
      List<String> args = new ArrayList<>();
      for (int slot = ackDirty.nextSetBit(0); slot >= 0; slot = ackDirty.nextSetBit(slot + 1)) {
        if (args.isEmpty()) {
          args.add("CORVID.ACK");
        }
        if (linkOf[slot] == this && followState[slot] == LIVE) {
          args.add(Integer.toString(slot));
          args.add(Long.toString(offset[slot]));
        }
        if (args.size() > 2 * SLOTS_PER_REQUEST) {
          Resp.command(b, args);
          args.clear();
        }
      }
      ackDirty.clear();
      if (args.size() > 1 || (heartbeat && args.isEmpty())) {
        if (args.isEmpty()) {
          args.add("CORVID.ACK");
        }
        Resp.command(b, args);
      }
    }

    /** Lock held: the tick. */
    void heartbeat() {
      if (ready && !closed && System.nanoTime() - lastSentNanos > TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MILLIS)) {
        ByteBuf b = channel.alloc().ioBuffer(64);
        sendAcks(b, true);
        lastSentNanos = System.nanoTime();
        channel.writeAndFlush(b, channel.voidPromise());
      }
    }

    private void connect() {
      if (connecting || closed || ready) {
        return;
      }
      connecting = true;
      Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.SO_KEEPALIVE, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
          .option(ChannelOption.WRITE_BUFFER_WATER_MARK, LINK_MARKS)
          .handler(new LinkHandler(this));
      b.connect(host, port).addListener(f -> {
        if (!f.isSuccess()) {
          lock.lock();
          try {
            connecting = false;
            retryLater();
          } finally {
            lock.unlock();
          }
        }
      });
    }

    private void retryLater() {
      if (closed || slots.isEmpty() || group == null || stopped) {
        return;
      }
      long delay = backoff;
      backoff = Math.min(RECONNECT_MAX_MILLIS, backoff * 2);
      group.schedule(() -> {
        lock.lock();
        try {
          if (!closed && !ready) {
            connect();
          }
        } finally {
          lock.unlock();
        }
      }, delay, TimeUnit.MILLISECONDS);
    }

    /** Lock held: the connection is up; authenticate and ask for every slot. */
    void onActive(Channel ch) {
      channel = ch;
      connecting = false;
      if (closed) {
        ch.close();
        return;
      }
      ready = true;
      backoff = RECONNECT_MIN_MILLIS;
      ByteBuf b = ch.alloc().ioBuffer(64);
      String pass = node.config().requirepass();
      if (!pass.isEmpty()) {
        Resp.command(b, List.of("AUTH", pass));
      }
      ch.writeAndFlush(b, ch.voidPromise());
      toSync.clear();
      toUnsync.clear();
      for (int slot = slots.nextSetBit(0); slot >= 0; slot = slots.nextSetBit(slot + 1)) {
        requestSyncQuiet(slot);
      }
      sendRequests();
    }

    private void requestSyncQuiet(int slot) {
      followState[slot] = AWAIT;
      followSeq[slot] = ++nextSeq;
      toSync.add(slot);
    }

    /** Lock held: the connection dropped. */
    void onInactive() {
      ready = false;
      connecting = false;
      channel = null;
      for (int slot = slots.nextSetBit(0); slot >= 0; slot = slots.nextSetBit(slot + 1)) {
        if (followState[slot] != IDLE) {
          followState[slot] = AWAIT;
        }
      }
      retryLater();
    }

    void close() {
      closed = true;
      ready = false;
      if (channel != null) {
        channel.close();
      }
    }

    /** Lock held: applies frames (may release and retake the lock while dropping a slot). */
    void apply(List<Frames.Frame> frames) {
      for (Frames.Frame f : frames) {
        if (f.type() == '-') {
          log.warn("Primary {}:{} refused replication: {}", host, port, f.line());
          if (channel != null) {
            channel.close();
          }
          return;
        }
        if (f.type() == '+' || f.type() == Frames.PING) {
          continue;
        }
        int slot = f.slot();
        if (linkOf[slot] != this) {
          continue;
        }
        switch (f.type()) {
          case Frames.CONTINUE -> {
            if (f.seq() == followSeq[slot] && followState[slot] == AWAIT) {
              history[slot] = f.history();
              followState[slot] = LIVE;
              ackDirty.set(slot);
            }
          }
          case Frames.SNAPSHOT -> {
            if (f.seq() == followSeq[slot] && followState[slot] != IDLE) {
              history[slot] = f.history();
              followState[slot] = SNAPSHOTTING;
              snapshotOffset[slot] = f.offset();
              offset[slot] = -1;
              control.localOffset(slot, -1);
              snapshotsReceived++;
              int gen = generation[slot];
              while (keyspace.dropSlot(slot, DROP_KEYS_PER_LOCK) > 0) {
                lock.unlock();
                lock.lock();
                if (generation[slot] != gen || linkOf[slot] != this) {
                  break;
                }
              }
            }
          }
          case Frames.CHUNK -> {
            if (followState[slot] == SNAPSHOTTING) {
              try {
                keyspace.restoreSlotChunk(f.payload(), 0, f.payload().length, true);
              } catch (EntryFormatException e) {
                resync(slot, "corrupted snapshot chunk: " + e.getMessage());
              }
            }
          }
          case Frames.SNAPSHOT_END -> {
            if (followState[slot] == SNAPSHOTTING) {
              offset[slot] = snapshotOffset[slot];
              followState[slot] = LIVE;
              control.localOffset(slot, offset[slot]);
              ackDirty.set(slot);
            }
          }
          case Frames.WRITE, Frames.STRING, Frames.DELETE -> {
            if (followState[slot] != LIVE || f.offset() <= offset[slot]) {
              continue;
            }
            if (f.offset() != offset[slot] + 1) {
              resync(slot, "entry " + f.offset() + " after " + offset[slot]);
              continue;
            }
            byte[] k = f.key();
            try {
              if (f.type() == Frames.STRING) {
                byte[] v = f.payload();
                if (f.expireAt() != Keyspace.NO_EXPIRY && f.expireAt() <= node.clock().currentTimeMillis()) {
                  keyspace.delete(0, k, 0, k.length); // expired in transit, as RESTORE does
                } else {
                  keyspace.setString(0, k, 0, k.length, v, 0, v.length, f.expireAt(), false);
                }
              } else if (f.type() == Frames.WRITE) {
                keyspace.restore(0, k, 0, k.length, f.payload(), 0, f.payload().length, f.expireAt(), true, -1, -1);
              } else {
                keyspace.delete(0, k, 0, k.length);
              }
            } catch (EntryFormatException e) {
              resync(slot, "corrupted entry: " + e.getMessage());
              continue;
            }
            offset[slot] = f.offset();
            control.localOffset(slot, offset[slot]);
            ackDirty.set(slot);
            entriesApplied++;
          }
          case Frames.NOT_PRIMARY -> {
            if (f.seq() == -1 || f.seq() == followSeq[slot]) {
              followState[slot] = AWAIT;
              followSeq[slot] = ++nextSeq; // frames of the old request are ignored from now
              int seqNow = followSeq[slot];
              group.schedule(() -> {
                lock.lock();
                try {
                  if (linkOf[slot] == this && followSeq[slot] == seqNow) {
                    requestSync(slot);
                  }
                } finally {
                  lock.unlock();
                }
              }, NOT_PRIMARY_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
          }
          default -> { }
        }
      }
    }

    private void resync(int slot, String why) {
      log.warn("Replication of slot {} from {}:{}: {}; asking again", slot, host, port, why);
      resyncs++;
      requestSync(slot);
    }
  }

  /** Netty handler of a follower link (on the replication event loop). */
  private final class LinkHandler extends ChannelInboundHandlerAdapter {
    private final Link link;
    private final Frames.Decoder decoder = new Frames.Decoder();
    private final List<Frames.Frame> frames = new ArrayList<>();
    private ByteBuf cumulation;

    LinkHandler(Link link) {
      this.link = link;
    }

    @Override public void channelActive(ChannelHandlerContext ctx) {
      lock.lock();
      try {
        link.onActive(ctx.channel());
      } finally {
        lock.unlock();
      }
    }

    @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      cumulation = cumulation == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, in);
      try {
        decoder.decode(cumulation, frames);
      } catch (IllegalStateException e) {
        log.warn("Replication stream from {}:{}: {}", link.host, link.port, e.getMessage());
        ctx.close();
        return;
      }
      if (!cumulation.isReadable()) {
        cumulation.release();
        cumulation = null;
      } else {
        cumulation.discardSomeReadBytes();
      }
      if (frames.isEmpty()) {
        return;
      }
      lock.lock();
      try {
        if (link.channel == ctx.channel()) {
          link.apply(frames);
        }
      } finally {
        lock.unlock();
        frames.clear();
      }
    }

    @Override public void channelReadComplete(ChannelHandlerContext ctx) {
      lock.lock();
      try {
        if (link.channel == ctx.channel() && !link.ackDirty.isEmpty()) {
          link.sendRequests();
        }
      } finally {
        lock.unlock();
      }
    }

    @Override public void channelInactive(ChannelHandlerContext ctx) {
      if (cumulation != null) {
        cumulation.release();
        cumulation = null;
      }
      lock.lock();
      try {
        if (link.channel == ctx.channel()) {
          link.onInactive();
        }
      } finally {
        lock.unlock();
      }
    }

    @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!(cause instanceof java.io.IOException)) {
        log.warn("Replication link to {}:{}: {}", link.host, link.port, cause.toString());
      }
      ctx.close();
    }
  }

  // =========================================================================== tick

  private void tick() {
    if (stopped) {
      return;
    }
    lock.lock();
    try {
      if (pendingCount > 0) {
        flushPending(null);
      }
      for (Link l : links.values()) {
        l.heartbeat();
      }
    } finally {
      lock.unlock();
    }
  }

  // =========================================================================== WAIT

  /**
   * Lock held. How many replicas acked every write this client made, over the slots it wrote that
   * this node is still primary of. A slot that moved away since (failover, migration) no longer
   * counts: it was handed over with all its writes (a migration switches only once the new owner
   * acked the last one), and this node hears no acks for it any more.
   */
  int count(ClientWrites writes) {
    Topology t = control.topology();
    int vacuous = Math.max(0, Math.min(t.replicaCount(), t.members().size() - 1));
    if (writes == null || writes.isEmpty()) {
      return vacuous;
    }
    int min = Integer.MAX_VALUE;
    for (int i = writes.first(); i >= 0; i = writes.next(i)) {
      int slot = writes.slotAt(i);
      if (role[slot] != SlotRole.PRIMARY.ordinal()) {
        continue;
      }
      long off = writes.offsetAt(i);
      int n = 0;
      for (NodeId r : t.replicas(slot)) {
        long[] a = acked.get(r);
        if (a != null && a[slot] >= off) {
          n++;
        }
      }
      min = Math.min(min, n);
      if (min == 0) {
        break;
      }
    }
    return min == Integer.MAX_VALUE ? vacuous : min;
  }

  /** WAIT numreplicas timeout (lock held, on the client's event loop). */
  void await(ClientConnection c, long numreplicas, long timeoutMillis) {
    afterCommand(c);
    ClientWrites writes = ClientWrites.peek(c);
    int now = count(writes);
    if (now >= numreplicas) {
      c.replyInteger(now);
      return;
    }
    Waiter w = new Waiter(c, numreplicas, writes == null ? null : writes.copy());
    waiters.add(w);
    c.deferReply();
    if (timeoutMillis > 0) {
      w.timer = c.channel().eventLoop().schedule(() -> {
        lock.lock();
        try {
          complete(w);
        } finally {
          lock.unlock();
        }
      }, timeoutMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void complete(Waiter w) {
    if (w.done) {
      return;
    }
    w.done = true;
    waiters.remove(w);
    if (w.timer != null) {
      w.timer.cancel(false);
    }
    int n = stopped ? 0 : count(w.writes);
    w.client.resumeDeferred(conn -> conn.replyInteger(n));
  }

  private static final class Waiter {
    final ClientConnection client;
    final long needed;
    final ClientWrites writes;
    ScheduledFuture<?> timer;
    boolean done;

    Waiter(ClientConnection client, long needed, ClientWrites writes) {
      this.client = client;
      this.needed = needed;
      this.writes = writes;
    }
  }

  // =========================================================================== INFO

  /** The INFO replication section (lock held). */
  public void info(StringBuilder sb) {
    int primaries = 0;
    int followed = 0;
    int syncing = 0;
    long offsets = 0;
    for (int slot = 0; slot < SLOT_COUNT; slot++) {
      if (role[slot] == SlotRole.PRIMARY.ordinal()) {
        primaries++;
        offsets += Math.max(0, offset[slot]);
      } else if (linkOf[slot] != null) {
        followed++;
        if (followState[slot] != LIVE) {
          syncing++;
        }
      }
    }
    sb.append("# Replication\r\nrole:master\r\nconnected_slaves:").append(sessions.size())
        .append("\r\nmaster_replid:").append(node.runId())
        .append("\r\nmaster_repl_offset:").append(offsets);
    int i = 0;
    for (Session s : sessions.values()) {
      sb.append("\r\nslave").append(i++).append(":id=").append(s.follower.hex()).append(",addr=").append(s.conn.peer())
          .append(",lag_entries=").append(s.lag());
    }
    sb.append("\r\nrepl_backlog_active:1\r\nrepl_backlog_size:").append(backlog.limit())
        .append("\r\nrepl_backlog_histlen:").append(backlog.bytes())
        .append("\r\nrepl_backlog_entries:").append(backlog.entries())
        .append("\r\nrepl_backlog_trimmed_entries:").append(backlog.trimmed())
        .append("\r\nrepl_primary_slots:").append(primaries)
        .append("\r\nrepl_followed_slots:").append(followed)
        .append("\r\nrepl_syncing_slots:").append(syncing)
        .append("\r\nrepl_primary_links:").append(links.size())
        .append("\r\nrepl_snapshots_sent:").append(snapshotsSent)
        .append("\r\nrepl_continues_sent:").append(continuesSent)
        .append("\r\nrepl_snapshots_received:").append(snapshotsReceived)
        .append("\r\nrepl_entries_applied:").append(entriesApplied)
        .append("\r\nrepl_resyncs:").append(resyncs)
        .append("\r\nrepl_wait_clients:").append(waiters.size())
        .append("\r\n");
  }

  /** Minimal RESP request encoding for the follower's requests. */
  static final class Resp {
    private Resp() {}

    static void command(ByteBuf b, List<String> args) {
      b.writeByte('*').writeCharSequence(Integer.toString(args.size()), StandardCharsets.US_ASCII);
      b.writeByte('\r').writeByte('\n');
      for (String a : args) {
        byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
        b.writeByte('$').writeCharSequence(Integer.toString(bytes.length), StandardCharsets.US_ASCII);
        b.writeByte('\r').writeByte('\n');
        b.writeBytes(bytes);
        b.writeByte('\r').writeByte('\n');
      }
    }
  }

  /** For tests and INFO: the slot's offset here. */
  public long offset(int slot) {
    lock.lock();
    try {
      return offset[slot];
    } finally {
      lock.unlock();
    }
  }
}
