package io.corvid.server;

import io.corvid.resp.Request;
import io.corvid.resp.RespVersion;
import io.corvid.resp.RespWriter;
import io.corvid.server.command.CommandSpec;
import io.corvid.storage.KeyspaceListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Server-assisted client-side caching: CLIENT TRACKING as Redis 7 does it (its tracking.c), so a
 * client that caches what it read is told when that stops being true.
 *
 * <h2>Two modes</h2>
 * <ul>
 *   <li><b>Default mode</b>: every key a tracking connection reads (the keys of a {@code readonly}
 *       command, from the command metadata's first/last/step key positions) goes into the
 *       <em>invalidation table</em>, key -> ids of the clients that read it. When the key is
 *       modified — any write, DEL, a TTL change, expiry, eviction — each of those clients gets one
 *       {@code invalidate} message and the key leaves the table: invalidation is one-shot, the
 *       client reads (and so re-registers) the key again if it wants to keep caching it. OPTIN
 *       (track only after CLIENT CACHING YES) and OPTOUT (track unless CLIENT CACHING NO) narrow
 *       what a read registers. The table is not split by database, as in Redis: a change to
 *       {@code k} in db 1 invalidates {@code k} read in db 0.
 *   <li><b>BCAST</b>: nothing is remembered per client. Each prefix a BCAST client registered
 *       (the empty prefix by default) collects the keys modified under it, and the collected keys
 *       go out as one message per prefix, sorted and without duplicates, when the event loop has
 *       processed the current read batch (Redis does it in beforeSleep, once per event-loop
 *       iteration; Corvid once per read batch of the connection that wrote, and after each slice
 *       of active expiry).
 * </ul>
 * FLUSHDB and FLUSHALL send every tracking client an invalidation with a null key list (drop
 * everything) and empty the table. NOLOOP leaves out the changes a connection made itself.
 *
 * <h2>Where messages go</h2>
 * A RESP3 connection gets {@code >2 invalidate [keys]} pushes on itself. With {@code REDIRECT id}
 * they go to the other connection: as a push if it speaks RESP3, else as a pub/sub message on
 * {@code __redis__:invalidate} if it is subscribed (to anything), else nowhere. If the redirection
 * target is gone when an invalidation is due, a RESP3 tracking connection gets
 * {@code >2 tracking-redir-broken id} instead, and its CLIENT TRACKINGINFO shows broken_redirect.
 * A connection's invalidations for changes made by its own command are held until that command's
 * reply (or EXEC's whole reply) is written, so they never split a reply.
 *
 * <h2>Limits</h2>
 * {@code tracking-table-max-keys} (default {@link
 * io.corvid.server.config.ServerConfig#DEFAULT_TRACKING_TABLE_MAX_KEYS}, 0 = none) bounds the
 * number of keys in the invalidation table. Before each command (while some client tracks) and on
 * each cron tick, while the table is over the limit, random keys are dropped from it and their
 * readers are sent an invalidation for them, at most {@link #LIMIT_EFFORT_KEYS} keys per round
 * times the number of consecutive rounds that ended still over the limit (Redis's
 * trackingLimitUsedSlots).
 *
 * <h2>Cost</h2>
 * With no tracking client, the dispatcher's only cost is {@link #active()} (one int compare) per
 * command, and the keyspace listener's one emptiness check per modified key. A non-tracking
 * client's command allocates nothing here even while others track.
 *
 * <p>Guarded by the node lock, like everything the keyspace listener touches. Messages for other
 * connections go through {@link ClientConnection#deliver}, which is safe from any thread.
 */
public final class Tracking implements KeyspaceListener {
  /** Keys dropped per over-limit round, times consecutive rounds still over (Redis: 100). */
  public static final int LIMIT_EFFORT_KEYS = 100;
  static final byte[] INVALIDATE = RespWriter.ascii("invalidate");
  static final byte[] MESSAGE = RespWriter.ascii("message");
  static final byte[] CHANNEL = RespWriter.ascii("__redis__:invalidate");
  static final byte[] REDIR_BROKEN = RespWriter.ascii("tracking-redir-broken");

  private final Node node;
  private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

  // default mode: the invalidation table, and its keys in an array for random eviction
  private Map<ByteKey, Readers> table = new HashMap<>();
  private Readers[] tableKeys = new Readers[16];
  private long totalItems;
  private int limitRounds;
  private final SplittableRandom random = new SplittableRandom();
  private final ByteKey probe = ByteKey.probe();

  // BCAST: prefix -> its clients and the keys changed since the last broadcast
  private final TreeMap<byte[], Prefix> prefixes = new TreeMap<>(Arrays::compareUnsigned);
  private boolean broadcastPending;

  private int trackingClients;

  // the command being executed (Redis's server.current_client and in_nested_call)
  private ClientConnection current;
  private int depth;
  /** Invalidations for {@link #current}'s own changes, sent after its reply; null = flush. */
  private final List<byte[]> pendingForCurrent = new ArrayList<>();

  Tracking(Node node) {
    this.node = node;
  }

  // ================================================================ counters (INFO)

  /** True while at least one connection has tracking on: the dispatcher's one check per command. */
  public boolean active() {
    return trackingClients > 0;
  }

  public int trackingClients() { return trackingClients; }
  /** Keys in the invalidation table (INFO tracking_total_keys). */
  public long totalKeys() { return table.size(); }
  /** Client ids across all keys of the table (INFO tracking_total_items). */
  public long totalItems() { return totalItems; }
  /** BCAST prefixes registered (INFO tracking_total_prefixes). */
  public long totalPrefixes() { return prefixes.size(); }

  // ================================================================ CLIENT TRACKING ON / OFF

  /** CLIENT TRACKING ON with validated options (Redis's enableTracking): prefixes add to existing ones. */
  public void enable(ClientConnection c, long redirect, boolean bcast, boolean optin, boolean optout, boolean noloop,
      List<byte[]> newPrefixes) {
    ClientTracking t = c.tracking;
    if (t == null) {
      t = new ClientTracking();
      c.tracking = t;
    }
    if (!t.on) {
      trackingClients++;
    }
    t.on = true;
    t.brokenRedirect = false;
    t.redirect = redirect;
    t.bcast = bcast;
    t.optin = optin;
    t.optout = optout;
    t.noloop = noloop;
    if (bcast) {
      if (newPrefixes.isEmpty()) {
        addPrefix(c, t, new byte[0]);
      }
      for (byte[] p : newPrefixes) {
        addPrefix(c, t, p);
      }
    }
  }

  private void addPrefix(ClientConnection c, ClientTracking t, byte[] prefix) {
    Prefix p = prefixes.computeIfAbsent(prefix, Prefix::new);
    if (p.clients.add(c)) {
      t.prefixes.add(prefix);
    }
  }

  /** CLIENT TRACKING OFF, RESET, disconnect (Redis's disableTracking). Table entries stay until used. */
  public void disable(ClientConnection c) {
    ClientTracking t = c.tracking;
    if (t == null) {
      return;
    }
    if (t.bcast) {
      for (byte[] prefix : t.prefixes) {
        Prefix p = prefixes.get(prefix);
        if (p != null) {
          p.clients.remove(c);
          if (p.clients.isEmpty()) {
            prefixes.remove(prefix);
          }
        }
      }
      t.prefixes.clear();
    }
    if (t.on) {
      trackingClients--;
      t.on = false;
      t.brokenRedirect = false;
      t.bcast = false;
      t.optin = false;
      t.optout = false;
      t.caching = false;
      t.noloop = false;
    }
  }

  // ================================================================ around each command

  /** Before a command runs (called only while {@link #active()}). */
  void beforeCall(ClientConnection c) {
    if (depth == 0) {
      enforceTableLimit();
    }
    current = c;
    depth++;
  }

  /**
   * After a command ran: remember the keys a tracking client read, and once the outermost command
   * (EXEC for a transaction) is done, send the client the invalidations its own changes caused
   * and clear a CLIENT CACHING hint that has been used. {@code entered}: {@link #beforeCall} ran
   * for this command (it does not when tracking was turned on by the command itself).
   */
  void afterCall(ClientConnection c, CommandSpec spec, Request r, boolean entered) {
    if (entered && depth > 0) {
      depth--;
    }
    ClientTracking t = c.tracking;
    if (t != null && t.on && !t.bcast && spec.has(CommandSpec.FLAG_READONLY)) {
      rememberKeys(c, t, spec, r);
    }
    if (depth == 0) {
      if (t != null && t.caching && !c.inMulti() && !isClientCommand(spec)) {
        t.caching = false;
      }
      current = null;
      sendPendingForCurrent(c);
    }
  }

  private void sendPendingForCurrent(ClientConnection c) {
    if (!pendingForCurrent.isEmpty()) {
      for (byte[] key : pendingForCurrent) {
        if (key == null) {
          send(c, null);
        } else {
          ByteBuf value = keyArray(key, 0, key.length);
          try {
            send(c, value);
          } finally {
            value.release();
          }
        }
      }
      pendingForCurrent.clear();
    }
  }

  /**
   * EXEC brackets its queued commands with this and {@link #exitExec}: when no client tracked as
   * EXEC began, the dispatcher did not call {@link #beforeCall} for it, and a CLIENT TRACKING ON
   * inside the transaction must still not get invalidations for the transaction's own writes in
   * the middle of EXEC's reply. Returns whether it opened a level (pass it to exitExec).
   */
  public boolean enterExec(ClientConnection c) {
    if (depth > 0) {
      return false;
    }
    current = c;
    depth = 1;
    return true;
  }

  public void exitExec(ClientConnection c, boolean entered) {
    if (entered && depth == 1) {
      depth = 0;
      current = null;
      sendPendingForCurrent(c);
    }
  }

  /** A command rejected before it ran (unknown, arity, ...) also uses up a CLIENT CACHING hint. */
  void afterRejected(ClientConnection c, CommandSpec spec) {
    ClientTracking t = c.tracking;
    if (t != null && t.caching && !c.inMulti() && !isClientCommand(spec)) {
      t.caching = false;
    }
  }

  private static boolean isClientCommand(CommandSpec spec) {
    if (spec == null) {
      return false;
    }
    CommandSpec top = spec.container() == null ? spec : spec.container();
    return top.name().equals("client");
  }

  private void rememberKeys(ClientConnection c, ClientTracking t, CommandSpec spec, Request r) {
    if ((t.optin && !t.caching) || (t.optout && t.caching) || spec.has(CommandSpec.FLAG_PUBSUB)) {
      return;
    }
    int first = spec.firstKey();
    if (first <= 0) {
      return;
    }
    int last = spec.lastKey() < 0 ? r.argc() + spec.lastKey() : spec.lastKey();
    int step = Math.max(1, spec.keyStep());
    long id = c.clientId();
    for (int i = first; i <= last && i < r.argc(); i += step) {
      Readers readers = table.get(probe.reset(0, r.buffer(), r.offset(i), r.length(i)));
      if (readers == null) {
        readers = new Readers(ByteKey.copyOf(0, r.buffer(), r.offset(i), r.length(i)));
        table.put(readers.key, readers);
        addTableKey(readers);
      }
      if (readers.add(id)) {
        totalItems++;
      }
    }
  }

  // ================================================================ keyspace changes

  @Override
  public void keyChanged(int db, byte[] key, int off, int len, Cause cause) {
    if (table.isEmpty() && prefixes.isEmpty()) {
      return;
    }
    // Redis passes the modifying client for writes and none for expiry and eviction; BCAST's
    // NOLOOP compares against it.
    ClientConnection writer = cause == Cause.EXPIRE || cause == Cause.EVICT ? null : current;
    if (!prefixes.isEmpty()) {
      rememberForBroadcast(key, off, len, writer);
    }
    invalidateKey(key, off, len);
  }

  @Override
  public void databaseFlushed(int db) {
    // As Redis (trackingInvalidateKeysOnFlush): FLUSHDB too drops the whole table, not split by db.
    if (trackingClients > 0) {
      for (ClientConnection c : node.clients().values()) {
        ClientTracking t = c.tracking;
        if (t != null && t.on) {
          if (c == current) {
            pendingForCurrent.add(null);
          } else {
            send(c, null);
          }
        }
      }
    }
    // New structures rather than clear(): a table that held a million keys gives its memory back.
    table = new HashMap<>();
    tableKeys = new Readers[16];
    totalItems = 0;
    limitRounds = 0;
  }

  /** Default mode: tells the key's readers and forgets them (trackingInvalidateKey). */
  private void invalidateKey(byte[] key, int off, int len) {
    if (table.isEmpty()) {
      return;
    }
    Readers readers = table.remove(probe.reset(0, key, off, len));
    if (readers == null) {
      return;
    }
    removeTableKey(readers);
    totalItems -= readers.size;
    ByteBuf value = null;
    try {
      long[] ids = readers.slots;
      for (long id : ids) {
        if (id == 0) {
          continue;
        }
        ClientConnection target = node.clients().get(id);
        if (target == null || target.isClosed()) {
          continue;
        }
        ClientTracking t = target.tracking;
        // A client that switched to BCAST no longer wants what it registered before.
        if (t == null || !t.on || t.bcast) {
          continue;
        }
        if (t.noloop && target == current) {
          continue;
        }
        if (target == current) {
          pendingForCurrent.add(Arrays.copyOfRange(key, off, off + len));
        } else {
          if (value == null) {
            value = keyArray(key, off, len);
          }
          send(target, value);
        }
      }
    } finally {
      if (value != null) {
        value.release();
      }
    }
  }

  // ================================================================ tracking-table-max-keys

  /** Drops random keys (invalidating them) while the table is over its limit; bounded effort per call. */
  void enforceTableLimit() {
    long max = node.config().trackingTableMaxKeys();
    if (max == 0 || table.isEmpty()) {
      return;
    }
    if (table.size() <= max) {
      limitRounds = 0;
      return;
    }
    // Like Redis, these are sent even to a NOLOOP client that is the current one: the key leaves
    // the table, so the client must be told or its copy would never be invalidated.
    ClientConnection saved = current;
    current = null;
    try {
      long effort = (long) LIMIT_EFFORT_KEYS * (limitRounds + 1);
      while (effort-- > 0 && !table.isEmpty()) {
        Readers victim = tableKeys[random.nextInt(table.size())];
        byte[] key = victim.key.bytes();
        invalidateKey(key, 0, key.length);
        if (table.size() <= max) {
          limitRounds = 0;
          return;
        }
      }
      limitRounds++;
    } finally {
      current = saved;
    }
  }

  /** The cron's share (called with the lock held, while some client tracks). */
  void cron() {
    if (trackingClients > 0) {
      enforceTableLimit();
    }
    flushBroadcasts();
  }

  private void addTableKey(Readers r) {
    int n = table.size() - 1; // already put into the map
    if (n == tableKeys.length) {
      tableKeys = Arrays.copyOf(tableKeys, n * 2);
    }
    tableKeys[n] = r;
    r.index = n;
  }

  private void removeTableKey(Readers r) {
    int last = table.size(); // already removed from the map
    Readers moved = tableKeys[last];
    tableKeys[r.index] = moved;
    moved.index = r.index;
    tableKeys[last] = null;
  }

  // ================================================================ BCAST

  private void rememberForBroadcast(byte[] key, int off, int len, ClientConnection writer) {
    byte[] copy = null;
    for (Prefix p : prefixes.values()) {
      byte[] pb = p.bytes;
      if (pb.length > len || !Arrays.equals(pb, 0, pb.length, key, off, off + pb.length)) {
        continue;
      }
      if (copy == null) {
        copy = Arrays.copyOfRange(key, off, off + len);
      }
      p.keys.put(copy, writer == null ? NO_WRITER : writer);
      broadcastPending = true;
    }
  }

  /** Sends each prefix's collected keys to its clients (Redis's trackingBroadcastInvalidationMessages). */
  public void flushBroadcasts() {
    if (!broadcastPending) {
      return;
    }
    broadcastPending = false;
    for (Prefix p : prefixes.values()) {
      if (p.keys.isEmpty()) {
        continue;
      }
      ByteBuf common = null;
      try {
        for (ClientConnection c : p.clients) {
          if (c.tracking.noloop) {
            ByteBuf own = keysArray(p.keys, c);
            if (own != null) {
              send(c, own);
              own.release();
            }
          } else {
            if (common == null) {
              common = keysArray(p.keys, null);
            }
            send(c, common);
          }
        }
      } finally {
        if (common != null) {
          common.release();
        }
      }
      p.keys.clear();
    }
  }

  /** The array of collected keys, leaving out those {@code excluded} changed last (null when none remain). */
  private ByteBuf keysArray(TreeMap<byte[], Object> keys, ClientConnection excluded) {
    int n = 0;
    int bytes = 16;
    for (Map.Entry<byte[], Object> e : keys.entrySet()) {
      if (excluded == null || e.getValue() != excluded) {
        n++;
        bytes += e.getKey().length + 16;
      }
    }
    if (n == 0) {
      return null;
    }
    ByteBuf b = alloc.buffer(bytes);
    RespWriter.arrayHeader(b, n);
    for (Map.Entry<byte[], Object> e : keys.entrySet()) {
      if (excluded == null || e.getValue() != excluded) {
        RespWriter.bulk(b, e.getKey());
      }
    }
    return b;
  }

  // ================================================================ sending (sendTrackingMessage)

  private ByteBuf keyArray(byte[] key, int off, int len) {
    ByteBuf b = alloc.buffer(len + 24);
    RespWriter.arrayHeader(b, 1);
    RespWriter.bulk(b, key, off, len);
    return b;
  }

  /**
   * One invalidation for {@code tracker}: {@code value} is the RESP array of keys, or null for
   * "everything" (a flush), which is written as the receiver's null.
   */
  private void send(ClientConnection tracker, ByteBuf value) {
    ClientTracking t = tracker.tracking;
    ClientConnection receiver = tracker;
    boolean redirected = false;
    if (t != null && t.redirect != 0) {
      ClientConnection target = node.clients().get(t.redirect);
      if (target == null || target.isClosed()) {
        t.brokenRedirect = true;
        if (tracker.resp() == RespVersion.RESP3) {
          ByteBuf b = alloc.buffer(64);
          RespWriter.pushHeader(b, RespVersion.RESP3, 2);
          RespWriter.bulk(b, REDIR_BROKEN);
          RespWriter.integer(b, t.redirect);
          deliver(tracker, b);
        }
        return;
      }
      receiver = target;
      redirected = true;
    }
    int size = (value == null ? 8 : value.readableBytes()) + 48;
    ByteBuf b;
    if (receiver.resp() == RespVersion.RESP3) {
      b = alloc.buffer(size);
      RespWriter.pushHeader(b, RespVersion.RESP3, 2);
      RespWriter.bulk(b, INVALIDATE);
    } else if (redirected && receiver.subscriptionCount() > 0) {
      b = alloc.buffer(size);
      RespWriter.arrayHeader(b, 3);
      RespWriter.bulk(b, MESSAGE);
      RespWriter.bulk(b, CHANNEL);
    } else {
      return; // RESP2 without a subscribed redirection: nowhere to send it, as in Redis
    }
    if (value == null) {
      // Redis writes the tracking client's null here even when the receiver speaks the other
      // protocol; Corvid writes the receiver's, so a RESP2 subscriber never sees a RESP3 "_".
      RespWriter.nullBulk(b, receiver.resp());
    } else {
      b.writeBytes(value, value.readerIndex(), value.readableBytes());
    }
    deliver(receiver, b);
  }

  private static void deliver(ClientConnection receiver, ByteBuf message) {
    try {
      receiver.deliver(message);
    } finally {
      message.release();
    }
  }

  // ================================================================ structures

  /** Stands for "expiry or eviction" as the last writer of a BCAST key (never a connection). */
  private static final Object NO_WRITER = new Object();

  /** A BCAST prefix: its clients and the keys changed under it since the last broadcast, sorted. */
  private static final class Prefix {
    final byte[] bytes;
    final Set<ClientConnection> clients = new LinkedHashSet<>();
    /** key -> its last writer (a connection, or {@link #NO_WRITER}), for NOLOOP. */
    final TreeMap<byte[], Object> keys = new TreeMap<>(Arrays::compareUnsigned);

    Prefix(byte[] bytes) {
      this.bytes = bytes;
    }
  }

  /**
   * The ids of the clients that read one key: a small open-addressing set of longs (ids start at
   * 1, so 0 marks a free slot), to avoid a boxed Long per read.
   */
  private static final class Readers {
    final ByteKey key;
    int index;
    long[] slots = new long[4];
    int size;

    Readers(ByteKey key) {
      this.key = key;
    }

    boolean add(long id) {
      if ((size + 1) * 2 > slots.length) {
        grow();
      }
      int mask = slots.length - 1;
      int i = mix(id) & mask;
      while (slots[i] != 0) {
        if (slots[i] == id) {
          return false;
        }
        i = (i + 1) & mask;
      }
      slots[i] = id;
      size++;
      return true;
    }

    private void grow() {
      long[] old = slots;
      slots = new long[old.length * 2];
      size = 0;
      for (long id : old) {
        if (id != 0) {
          add(id);
        }
      }
    }

    private static int mix(long id) {
      long h = id * 0x9E3779B97F4A7C15L;
      return (int) (h ^ (h >>> 32));
    }
  }
}
