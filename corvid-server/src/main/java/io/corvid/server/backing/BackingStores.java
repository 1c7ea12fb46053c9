package io.corvid.server.backing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corvid.resp.Request;
import io.corvid.resp.RespWriter;
import io.corvid.server.ClientConnection;
import io.corvid.server.Node;
import io.corvid.server.backing.BackingStoreSpec.Format;
import io.corvid.server.backing.BackingStoreSpec.Mode;
import io.corvid.server.command.CommandException;
import io.corvid.server.command.CommandSpec;
import io.corvid.storage.Keyspace;
import io.corvid.storage.ValueType;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node in front of databases: keys whose name starts with a configured prefix map to rows
 * ({@link BackingStoreSpec}); this class decides, for each command on such a key, whether the
 * cache answers it, a load or write must reach the database first, or the write goes to the
 * write-behind queue.
 *
 * <h2>Concurrency</h2>
 * {@link #intercept} runs on an event loop with the node lock held, before the command. JDBC runs
 * on this class's executor, never on an event loop: the connection that asked is paused with
 * {@link ClientConnection#deferReply} and resumed with {@link ClientConnection#resumeDeferred}
 * when the database has answered, so its later pipelined requests are answered after it, in
 * order. The per-key state ({@link Lane}s and the negative cache) is guarded by the node lock;
 * a JDBC thread takes the lock only to apply a result to the cache.
 *
 * <h2>One key, one operation at a time</h2>
 * Each key with database work in flight has a {@link Lane}: the running operation and those
 * queued behind it. Misses of a key join the running (or last queued) load, so N concurrent
 * misses make one query (single-flight); writes queue, so write-through writes of one key reach
 * the database and the cache in the same order. A load captures nothing but its lane: any write
 * or invalidation of the key while it runs marks it stale ({@link #keyChanged}), and a stale load
 * is run again instead of caching what it read, so a load that started before an invalidation
 * never puts the old row back after it.
 *
 * <h2>Limits</h2>
 * Backing stores serve database 0 only. Inside MULTI, commands on mapped keys are refused (a
 * transaction cannot wait for a database). Write commands other than SET, HSET/HMSET, DEL/UNLINK
 * and the EXPIRE family are refused on keys of write-through and write-behind stores.
 */
public final class BackingStores implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("corvid");
  /** The negative cache remembers at most this many absent rows; beyond it, misses are not remembered. */
  public static final int MAX_NEGATIVE_ENTRIES = 100_000;
  /** A load invalidated this many times in a row gives up with an error rather than loop. */
  static final int MAX_LOAD_RESTARTS = 5;
  static final String ERR = "ERR backing store: ";

  private enum Kind { GET, HGET, HGETALL, SET, HSET, HMSET, DEL, EXPIRE, RMW, OTHER }

  private final Node node;
  private final Keyspace keyspace;
  private final List<Store> stores = new ArrayList<>();
  private final Map<String, JdbcStore> byPrefix = new LinkedHashMap<>();
  private final ExecutorService jdbc;
  private final WriteBehind writeBehind;
  private final NotifyListener listener;
  private final String applicationName;
  private final IdentityHashMap<CommandSpec, Kind> kinds = new IdentityHashMap<>();
  private final Map<String, Lane> lanes = new HashMap<>();
  private final Map<String, Long> negative = new HashMap<>();
  private final ObjectMapper json = new ObjectMapper();
  /** Versions of database writes; null when no store writes (read-through only). */
  private final Versions versions;

  // stats
  final AtomicLong loads = new AtomicLong();
  final AtomicLong loadErrors = new AtomicLong();
  final AtomicLong queriesSaved = new AtomicLong();
  final AtomicLong negativeHits = new AtomicLong();
  final AtomicLong coalescedMisses = new AtomicLong();
  final AtomicLong writesThrough = new AtomicLong();
  final AtomicLong writeThroughErrors = new AtomicLong();
  final AtomicLong writesBehind = new AtomicLong();
  final AtomicLong invalidations = new AtomicLong();

  /** {@code column}: the value column's name when the store has one string value column, else null. */
  private record Store(BackingStoreSpec spec, byte[] prefix, JdbcStore jdbc, byte[] column) {
    /** SET on this store's keys may take the write-behind fast path (no strings, straight into the log). */
    boolean fastSet() {
      return column != null && spec.mode() == Mode.WRITE_BEHIND;
    }
  }

  /** A client waiting for a load; {@code rmw}: a read-modify-write command to run once the value is cached. */
  private record Waiter(ClientConnection c, CommandSpec spec, Request request, boolean rmw) {
    Waiter(ClientConnection c, CommandSpec spec, Request request) {
      this(c, spec, request, false);
    }
  }

  private abstract static class Op {
    final Store store;
    final String fullKey;
    final String id;
    final byte[] key;

    Op(Store store, String fullKey, String id, byte[] key) {
      this.store = store;
      this.fullKey = fullKey;
      this.id = id;
      this.key = key;
    }
  }

  private static final class LoadOp extends Op {
    final List<Waiter> waiters = new ArrayList<>();
    boolean stale;
    int restarts;

    LoadOp(Store store, String fullKey, String id, byte[] key) {
      super(store, fullKey, id, key);
    }
  }

  private static final class WriteOp extends Op {
    final WriteRecord record;
    final Waiter waiter;
    final Kind kind;
    final long expireAtMillis;

    WriteOp(Store store, byte[] key, WriteRecord record, Waiter waiter, Kind kind, long expireAtMillis) {
      super(store, record.fullKey(), record.id(), key);
      this.record = record;
      this.waiter = waiter;
      this.kind = kind;
      this.expireAtMillis = expireAtMillis;
    }
  }

  /** A write-through read-modify-write command: row read for update, result computed, written, cached. */
  private static final class RmwOp extends Op {
    final Waiter waiter;
    final String command;
    final List<byte[]> args;
    final long version;

    RmwOp(Store store, String fullKey, String id, byte[] key, Waiter waiter, List<byte[]> args, long version) {
      super(store, fullKey, id, key);
      this.waiter = waiter;
      this.command = waiter.spec().name();
      this.args = args;
      this.version = version;
    }
  }

  /** The operations of one key: the running one, then the queued ones in arrival order. */
  private static final class Lane {
    Op running;
    final ArrayDeque<Op> queued = new ArrayDeque<>();
  }

  private BackingStores(Node node, List<BackingStoreSpec> specs) throws IOException {
    this.node = node;
    this.keyspace = node.keyspace();
    this.applicationName = "corvid-" + node.runId().substring(0, 12);
    int threads = 0;
    boolean anyWriteBehind = false;
    boolean anyWrites = false;
    for (BackingStoreSpec s : specs) {
      JdbcStore j = new JdbcStore(s, applicationName);
      stores.add(new Store(s, s.prefixBytes(), j,
          s.format() == Format.STRING ? s.valueColumns().get(0).getBytes(StandardCharsets.UTF_8) : null));
      byPrefix.put(s.prefix(), j);
      threads += s.poolSize();
      anyWriteBehind |= s.mode() == Mode.WRITE_BEHIND;
      anyWrites |= s.writes();
    }
    Path dir = Path.of(node.config().dir());
    this.versions = anyWrites ? new Versions(dir, () -> node.clock().currentTimeMillis() * 1000) : null;
    AtomicInteger n = new AtomicInteger();
    this.jdbc = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "corvid-backing-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    for (CommandSpec c : node.commands().all()) {
      if (c.firstKey() > 0) {
        kinds.put(c, switch (c.name()) {
          case "get" -> Kind.GET;
          case "hget" -> Kind.HGET;
          case "hgetall" -> Kind.HGETALL;
          case "set" -> Kind.SET;
          case "hset" -> Kind.HSET;
          case "hmset" -> Kind.HMSET;
          case "del", "unlink" -> Kind.DEL;
          case "expire", "pexpire", "expireat", "pexpireat", "persist" -> Kind.EXPIRE;
          case "incr", "decr", "incrby", "decrby", "incrbyfloat", "append", "hincrby", "hincrbyfloat", "hdel" -> Kind.RMW;
          default -> Kind.OTHER;
        });
      }
    }
    this.writeBehind = anyWriteBehind ? new WriteBehind(dir, byPrefix, node.config()) : null;
    List<BackingStoreSpec> notify = specs.stream().filter(BackingStoreSpec::invalidateByNotify).toList();
    this.listener = notify.isEmpty() ? null : new NotifyListener(notify, applicationName, this::invalidate, this::dropAll);
  }

  /**
   * The backing stores of the node's config, started (the write-behind log replayed into the
   * cache and its flusher running); null when none is configured. Call before serving clients.
   */
  public static BackingStores start(Node node) throws IOException {
    List<BackingStoreSpec> specs = node.config().backingStores();
    if (specs.isEmpty()) {
      return null;
    }
    BackingStores b = new BackingStores(node, specs);
    if (b.writeBehind != null) {
      List<WriteBehind.Pending> replayed = b.writeBehind.replayRecords();
      node.lock().lock();
      try {
        for (WriteBehind.Pending p : replayed) {
          b.versions.observe(p.version);
          b.applyReplayed(p);
        }
      } finally {
        node.lock().unlock();
      }
      b.writeBehind.start();
    }
    if (b.listener != null) {
      b.listener.start();
    }
    for (Store s : b.stores) {
      log.info("Backing store: keys '{}*' -> {} ({}, {})", s.spec.prefix(), s.spec.table(), s.spec.mode().configName(),
          s.spec.format().name().toLowerCase(Locale.ROOT));
    }
    return b;
  }

  /**
   * A version for a write (node lock held): {@code max(wall clock µs, last + 1)}, above every
   * version this node ever handed out, in this run or an earlier one, even after the clock stepped
   * back ({@link Versions}).
   */
  long nextVersion() {
    return versions.next();
  }

  // ================================================================ the hook

  /**
   * Called by the dispatcher for every command (node lock held) once backing stores exist.
   * Returns true when it took the command over: answered it, or deferred its answer. Throws
   * {@link CommandException} to refuse it.
   */
  public boolean intercept(ClientConnection c, CommandSpec spec, Request r) {
    Kind kind = kinds.get(spec);
    if (kind == null || c.db() != 0) {
      return false;
    }
    int first = spec.firstKey();
    int argc = r.argc();
    if (argc <= first) {
      return false;
    }
    int last = spec.lastKey() < 0 ? argc + spec.lastKey() : Math.min(spec.lastKey(), argc - 1);
    int step = Math.max(1, spec.keyStep());
    Store store = null;
    int keyIndex = -1;
    int keys = 0;
    for (int i = first; i <= last; i += step) {
      keys++;
      if (store == null) {
        Store s = storeFor(r, i);
        if (s != null) {
          store = s;
          keyIndex = i;
        }
      }
    }
    if (store == null) {
      return false;
    }
    if (c.inMulti()) {
      throw new CommandException(ERR + "commands on keys mapped to a database ('" + store.spec.prefix()
          + "') are not allowed inside MULTI");
    }
    boolean write = spec.has(CommandSpec.FLAG_WRITE);
    if (keys > 1) {
      if (write && store.spec.writes()) {
        throw new CommandException(ERR + spec.name().toUpperCase(Locale.ROOT)
            + " of several keys is not supported when one is mapped to a database ('" + store.spec.prefix() + "')");
      }
      if (write) {
        keyChangedAll(r, first, last, step);
      }
      return false; // multi-key reads answer from the cache only
    }
    if (kind == Kind.SET && store.fastSet() && (argc == 3 || (argc == 5 && (r.equalsIgnoreCase(3, EX)
        || r.equalsIgnoreCase(3, PX))))) {
      return writeBehindSet(c, spec, r, store, keyIndex);
    }
    byte[] key = r.bytes(keyIndex);
    String fullKey = new String(key, StandardCharsets.UTF_8);
    String id = fullKey.substring(store.spec.prefix().length());
    switch (kind) {
      case GET, HGET, HGETALL -> {
        return read(c, spec, r, store, key, fullKey, id, kind);
      }
      case EXPIRE -> {
        return false;
      }
      default -> { }
    }
    if (!write) {
      return false;
    }
    if (!store.spec.writes()) {
      keyChanged(fullKey); // read-through: the cache is written; a load in flight must not overwrite it
      return false;
    }
    if (kind == Kind.OTHER) {
      throw new CommandException(ERR + spec.name().toUpperCase(Locale.ROOT) + " is not supported on keys mapped to a"
          + " database ('" + store.spec.prefix() + "', " + store.spec.mode().configName() + "); use SET, HSET, DEL, "
          + (store.spec.format() == Format.HASH ? "HINCRBY, HINCRBYFLOAT, HDEL" : store.spec.format() == Format.STRING
              ? "INCR, INCRBY, DECR, DECRBY, INCRBYFLOAT, APPEND" : "GET") + " or the EXPIRE family");
    }
    if (kind == Kind.RMW) {
      return readModifyWrite(c, spec, r, store, keyIndex, key, fullKey, id, false);
    }
    WriteRecord record = recordFor(c, kind, r, store, id);
    if (record == null) {
      return false; // wrong number of arguments: the command answers it
    }
    if (store.spec.mode() == Mode.WRITE_THROUGH) {
      long expireAt = explicitExpireAt(c, kind, r);
      c.deferReply();
      enqueue(new WriteOp(store, key, record, new Waiter(c, spec, r.copy()), kind, expireAt));
      return true;
    }
    return writeBehind(c, spec, r, store, keyIndex, record, kind);
  }

  private Store storeFor(Request r, int i) {
    byte[] buf = r.buffer();
    int off = r.offset(i);
    int len = r.length(i);
    for (Store s : stores) {
      byte[] p = s.prefix;
      if (len > p.length && java.util.Arrays.equals(buf, off, off + p.length, p, 0, p.length)) {
        return s;
      }
    }
    return null;
  }

  // ================================================================ read-through

  private boolean read(ClientConnection c, CommandSpec spec, Request r, Store store, byte[] key, String fullKey, String id,
      Kind kind) {
    boolean hashCommand = kind != Kind.GET;
    if (hashCommand != (store.spec.format() == Format.HASH)) {
      return false; // the cache answers (WRONGTYPE or nil), as for any key of the other type
    }
    if (keyspace.lookup(0, key, 0, key.length, Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS) != Keyspace.NONE) {
      queriesSaved.incrementAndGet();
      return false;
    }
    Long absentUntil = negative.get(fullKey);
    if (absentUntil != null) {
      if (absentUntil > node.clock().currentTimeMillis()) {
        negativeHits.incrementAndGet();
        queriesSaved.incrementAndGet();
        return false; // answers nil from the cache
      }
      negative.remove(fullKey);
    }
    c.deferReply();
    load(new Waiter(c, spec, r.copy()), store, key, fullKey, id);
    return true;
  }

  /** Starts a load of the key for {@code w} or joins the one in flight (the caller deferred w's reply). */
  private void load(Waiter w, Store store, byte[] key, String fullKey, String id) {
    Lane lane = lanes.get(fullKey);
    if (lane == null) {
      lane = new Lane();
      lanes.put(fullKey, lane);
      LoadOp op = new LoadOp(store, fullKey, id, key);
      op.waiters.add(w);
      lane.running = op;
      start(op);
      return;
    }
    Op tail = lane.queued.isEmpty() ? lane.running : lane.queued.peekLast();
    if (tail instanceof LoadOp l && !l.stale) {
      l.waiters.add(w);
      coalescedMisses.incrementAndGet();
    } else {
      LoadOp op = new LoadOp(store, fullKey, id, key);
      op.waiters.add(w);
      lane.queued.add(op);
    }
  }

  private void start(Op op) {
    if (op instanceof LoadOp l) {
      jdbc.execute(() -> runLoad(l));
    } else if (op instanceof RmwOp m) {
      jdbc.execute(() -> runRmw(m));
    } else {
      jdbc.execute(() -> runWrite((WriteOp) op));
    }
  }

  private void enqueue(Op op) {
    Lane lane = lanes.get(op.fullKey);
    if (lane == null) {
      lane = new Lane();
      lanes.put(op.fullKey, lane);
      lane.running = op;
      start(op);
    } else {
      lane.queued.add(op);
    }
  }

  /** Starts the next operation of the lane (node lock held). */
  private void advance(Op done) {
    Lane lane = lanes.get(done.fullKey);
    if (lane == null || lane.running != done) {
      return;
    }
    lane.running = lane.queued.poll();
    if (lane.running == null) {
      lanes.remove(done.fullKey);
    } else {
      start(lane.running);
    }
  }

  private void runLoad(LoadOp op) {
    Map<String, Object> row = null;
    String error = null;
    try {
      loads.incrementAndGet();
      row = op.store.jdbc.load(op.id);
      if (writeBehind != null && op.store.spec.mode() == Mode.WRITE_BEHIND) {
        row = overlay(op.store, row, writeBehind.pendingFor(op.fullKey));
      }
    } catch (SQLException | RuntimeException e) {
      loadErrors.incrementAndGet();
      error = e.getMessage();
      log.warn("Backing store load of '{}' failed: {}", op.fullKey, e.toString());
    }
    node.lock().lock();
    try {
      // A write that reached the cache while the load ran is newer than what the load read.
      boolean cachedMeanwhile = keyspace.lookup(0, op.key, 0, op.key.length,
          Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS) != Keyspace.NONE;
      if (op.stale && error == null && !cachedMeanwhile) {
        op.stale = false;
        if (++op.restarts <= MAX_LOAD_RESTARTS) {
          start(op);
          return;
        }
        error = "the key kept changing while it was loaded; try again";
      }
      String err = error;
      if (err == null && !cachedMeanwhile) {
        err = populate(op.store, op.key, op.fullKey, row);
      }
      for (Waiter w : op.waiters) {
        String e = err;
        w.c().resumeDeferred(conn -> {
          if (e != null) {
            RespWriter.error(conn.out(), ERR + e);
          } else if (w.rmw()) {
            rmwAfterLoad(conn, w);
          } else {
            node.dispatcher().call(conn, w.spec(), w.request());
          }
        });
      }
      advance(op);
    } finally {
      node.lock().unlock();
    }
  }

  /** A loaded row with the write-behind writes still owed applied over it. */
  private static Map<String, Object> overlay(Store store, Map<String, Object> row, WriteBehind.Pending p) {
    if (p == null) {
      return row;
    }
    if (p.deleted) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (String c : store.spec.valueColumns()) {
      out.put(c, row == null || p.deleteFirst ? null : row.get(c));
    }
    out.putAll(p.columns);
    return out;
  }

  /** Puts a loaded row into the cache, or remembers its absence; returns an error or null (node lock held). */
  private String populate(Store store, byte[] key, String fullKey, Map<String, Object> row) {
    BackingStoreSpec s = store.spec;
    long now = node.clock().currentTimeMillis();
    if (row == null || (s.format() == Format.STRING && row.get(s.valueColumns().get(0)) == null)) {
      keyspace.delete(0, key, 0, key.length);
      if (s.negativeTtlSeconds() > 0) {
        if (negative.size() >= MAX_NEGATIVE_ENTRIES) {
          negative.values().removeIf(until -> until <= now);
        }
        if (negative.size() < MAX_NEGATIVE_ENTRIES) {
          negative.put(fullKey, now + s.negativeTtlSeconds() * 1000);
        }
      }
      return null;
    }
    if (!keyspace.evictIfNeeded()) {
      return "OOM command not allowed when used memory > 'maxmemory'";
    }
    long expireAt = s.ttlSeconds() > 0 ? now + s.ttlSeconds() * 1000 : Keyspace.NO_EXPIRY;
    switch (s.format()) {
      case STRING -> {
        byte[] v = text(row.get(s.valueColumns().get(0))).getBytes(StandardCharsets.UTF_8);
        keyspace.setString(0, key, 0, key.length, v, 0, v.length, expireAt, false);
      }
      case JSON -> {
        ObjectNode o = json.createObjectNode();
        for (String c : s.valueColumns()) {
          Object v = row.get(c);
          if (v == null) {
            o.putNull(c);
          } else if (v instanceof Number num) {
            o.put(c, new BigDecimal(num.toString()));
          } else if (v instanceof Boolean b) {
            o.put(c, b);
          } else {
            o.put(c, text(v));
          }
        }
        byte[] v = o.toString().getBytes(StandardCharsets.UTF_8);
        keyspace.setString(0, key, 0, key.length, v, 0, v.length, expireAt, false);
      }
      case HASH -> {
        keyspace.delete(0, key, 0, key.length);
        for (String c : s.valueColumns()) {
          Object v = row.get(c);
          if (v != null) {
            byte[] f = c.getBytes(StandardCharsets.UTF_8);
            byte[] b = text(v).getBytes(StandardCharsets.UTF_8);
            keyspace.hashSet(0, key, 0, key.length, f, 0, f.length, b, 0, b.length);
          }
        }
        if (expireAt != Keyspace.NO_EXPIRY) {
          keyspace.setExpire(0, key, 0, key.length, expireAt);
        }
      }
    }
    return null;
  }

  private static String text(Object v) {
    if (v instanceof byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }
    if (v instanceof BigDecimal d) {
      return d.toPlainString();
    }
    return String.valueOf(v);
  }

  // ================================================================ writes

  /** The database write a SET / HSET / HMSET / DEL stands for; refuses what cannot be mapped. */
  private WriteRecord recordFor(ClientConnection c, Kind kind, Request r, Store store, String id) {
    BackingStoreSpec s = store.spec;
    Map<String, String> cols = new LinkedHashMap<>();
    switch (kind) {
      case DEL -> {
        return new WriteRecord(s.prefix(), id, true, Map.of(), nextVersion());
      }
      case SET -> {
        if (s.format() == Format.HASH) {
          throw new CommandException(ERR + "keys of '" + s.prefix() + "' are hashes (format=hash); use HSET");
        }
        if (!(r.argc() == 3 || (r.argc() == 5 && (r.equalsIgnoreCase(3, EX) || r.equalsIgnoreCase(3, PX))))) {
          throw new CommandException(ERR + "only SET key value [EX seconds|PX milliseconds] is supported on keys mapped"
              + " to a database ('" + s.prefix() + "')");
        }
        String value = r.string(2);
        if (s.format() == Format.STRING) {
          cols.put(s.valueColumns().get(0), value);
        } else {
          JsonNode o;
          try {
            o = json.readTree(value);
          } catch (IOException e) {
            o = null;
          }
          if (o == null || !o.isObject()) {
            throw new CommandException(ERR + "keys of '" + s.prefix() + "' hold a JSON object with the fields "
                + s.valueColumns());
          }
          for (String col : s.valueColumns()) {
            JsonNode v = o.get(col);
            cols.put(col, v == null || v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString());
          }
          for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!s.valueColumns().contains(f)) {
              throw new CommandException(ERR + "unknown field '" + f + "' for '" + s.prefix() + "' (columns "
                  + s.valueColumns() + ")");
            }
          }
        }
      }
      case HSET, HMSET -> {
        if (s.format() != Format.HASH) {
          throw new CommandException(ERR + "keys of '" + s.prefix() + "' are strings; use SET");
        }
        if (r.argc() % 2 != 0) {
          return null; // wrong arity: the command itself answers
        }
        for (int i = 2; i + 1 < r.argc(); i += 2) {
          String f = r.string(i);
          if (!s.valueColumns().contains(f)) {
            throw new CommandException(ERR + "unknown field '" + f + "' for '" + s.prefix() + "' (columns "
                + s.valueColumns() + ")");
          }
          cols.put(f, r.string(i + 1));
        }
      }
      default -> throw new IllegalStateException(kind.name());
    }
    return new WriteRecord(s.prefix(), id, false, cols, nextVersion());
  }

  private static final byte[] EX = "EX".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PX = "PX".getBytes(StandardCharsets.US_ASCII);

  /** SET's own EX/PX as an absolute time, -1 when it has none, -2 when it is invalid. */
  private long explicitExpireAt(ClientConnection c, Kind kind, Request r) {
    if (kind != Kind.SET || r.argc() != 5) {
      return Keyspace.NO_EXPIRY;
    }
    long n;
    try {
      n = Long.parseLong(r.string(4));
    } catch (NumberFormatException e) {
      throw new CommandException("ERR value is not an integer or out of range");
    }
    if (n <= 0) {
      throw new CommandException("ERR invalid expire time in 'set' command");
    }
    long millis = r.equalsIgnoreCase(3, EX) ? n * 1000 : n;
    return node.clock().currentTimeMillis() + millis;
  }

  private void runWrite(WriteOp op) {
    String error = null;
    boolean existed = false;
    try (Connection conn = op.store.jdbc.connection()) {
      conn.setAutoCommit(true);
      if (op.record.delete()) {
        existed = op.store.jdbc.delete(conn, op.id, op.record.version());
      } else {
        op.store.jdbc.upsert(conn, op.id, op.record.columns(), op.record.version());
      }
      writesThrough.incrementAndGet();
    } catch (SQLException | RuntimeException e) {
      writeThroughErrors.incrementAndGet();
      error = e.getMessage();
      log.warn("Backing store write of '{}' failed: {}", op.fullKey, e.toString());
    }
    node.lock().lock();
    try {
      Waiter w = op.waiter;
      if (error != null) {
        String e = ERR + error;
        w.c().resumeDeferred(conn -> RespWriter.error(conn.out(), e));
      } else {
        keyChanged(op.fullKey);
        long reply = applyWrite(op.store, op.key, op.record, op.kind, op.expireAtMillis, existed);
        long micros = 0;
        w.spec().recordCall(micros, false);
        Kind k = op.kind;
        w.c().resumeDeferred(conn -> {
          if (k == Kind.SET || k == Kind.HMSET) {
            conn.replyOk();
          } else {
            conn.replyInteger(reply);
          }
        });
      }
      advance(op);
    } finally {
      node.lock().unlock();
    }
  }

  /**
   * Applies a committed write-through write to the cache (node lock held); returns HSET's count
   * of new fields or DEL's count of removed keys.
   */
  private long applyWrite(Store store, byte[] key, WriteRecord rec, Kind kind, long explicitExpireAt, boolean rowExisted) {
    BackingStoreSpec s = store.spec;
    long now = node.clock().currentTimeMillis();
    long expireAt = explicitExpireAt != Keyspace.NO_EXPIRY ? explicitExpireAt
        : s.ttlSeconds() > 0 ? now + s.ttlSeconds() * 1000 : Keyspace.NO_EXPIRY;
    if (rec.delete()) {
      boolean removed = keyspace.delete(0, key, 0, key.length);
      return removed || rowExisted ? 1 : 0;
    }
    keyspace.evictIfNeeded();
    if (kind == Kind.SET) {
      byte[] v = (s.format() == Format.STRING ? rec.columns().get(s.valueColumns().get(0)) : jsonOf(rec.columns()))
          .getBytes(StandardCharsets.UTF_8);
      keyspace.setString(0, key, 0, key.length, v, 0, v.length, expireAt, false);
      return 0;
    }
    long ref = keyspace.lookup(0, key, 0, key.length, Keyspace.LOOKUP_NOSTATS);
    if (ref != Keyspace.NONE && keyspace.type(ref) != ValueType.HASH) {
      keyspace.delete(0, key, 0, key.length);
    }
    long added = 0;
    for (Map.Entry<String, String> e : rec.columns().entrySet()) {
      byte[] f = e.getKey().getBytes(StandardCharsets.UTF_8);
      byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
      if (keyspace.hashSet(0, key, 0, key.length, f, 0, f.length, v, 0, v.length)) {
        added++;
      }
    }
    if (expireAt != Keyspace.NO_EXPIRY) {
      keyspace.setExpire(0, key, 0, key.length, expireAt);
    }
    return added;
  }

  private String jsonOf(Map<String, String> cols) {
    ObjectNode o = json.createObjectNode();
    cols.forEach((k, v) -> {
      if (v == null) {
        o.putNull(k);
      } else {
        o.put(k, v);
      }
    });
    return o.toString();
  }

  /** Write-behind: the cache takes the write at once, the log makes it durable, the flusher sends it. */
  private boolean writeBehind(ClientConnection c, CommandSpec spec, Request r, Store store, int keyIndex, WriteRecord record,
      Kind kind) {
    if (record == null) {
      return false; // arity error: the command answers it
    }
    String fullKey = record.fullKey();
    keyChanged(fullKey);
    long failedBefore = spec.failedCalls();
    node.dispatcher().call(c, spec, r);
    if (spec.failedCalls() != failedBefore) {
      return true; // the command answered an error and changed nothing
    }
    long position;
    try {
      position = writeBehind.append(record);
    } catch (IOException e) {
      appendFailed(c, r, keyIndex, e);
      return true;
    }
    afterWriteBehind(c, r, store, keyIndex, record.delete(), kind == Kind.SET && r.argc() == 5, position);
    return true;
  }

  /** The cache took a write that the log did not: take it back out and say so. */
  private void appendFailed(ClientConnection c, Request r, int keyIndex, IOException e) {
    keyspace.delete(0, r.buffer(), r.offset(keyIndex), r.length(keyIndex));
    log.error("Write-behind log append failed: {}", e.toString());
    RespWriter.error(c.out(), ERR + "write-behind log append failed: " + e.getMessage());
  }

  /**
   * Write-behind SET on a one-column store, the common case made cheap: the cache takes the write,
   * the log takes a frame encoded straight from the request's bytes (no strings, no maps on the
   * event loop), and the flusher decodes it from the log later.
   */
  private boolean writeBehindSet(ClientConnection c, CommandSpec spec, Request r, Store store, int keyIndex) {
    if (!negative.isEmpty() || !lanes.isEmpty()) {
      keyChanged(r.string(keyIndex));
    }
    long failedBefore = spec.failedCalls();
    node.dispatcher().call(c, spec, r);
    if (spec.failedCalls() != failedBefore) {
      return true; // the command answered an error and changed nothing
    }
    int p = store.prefix.length;
    long position;
    try {
      position = writeBehind.appendUpsert(store.prefix, r.buffer(), r.offset(keyIndex) + p, r.length(keyIndex) - p,
          store.column, r.buffer(), r.offset(2), r.length(2), nextVersion());
    } catch (IOException e) {
      appendFailed(c, r, keyIndex, e);
      return true;
    }
    afterWriteBehind(c, r, store, keyIndex, false, r.argc() == 5, position);
    return true;
  }

  /** Counts an appended write, gives it the store's TTL, and holds the reply for the fsync under {@code always}. */
  private void afterWriteBehind(ClientConnection c, Request r, Store store, int keyIndex, boolean delete,
      boolean explicitTtl, long position) {
    writesBehind.incrementAndGet();
    if (!delete && store.spec.ttlSeconds() > 0 && !explicitTtl) {
      keyspace.setExpire(0, r.buffer(), r.offset(keyIndex), r.length(keyIndex),
          node.clock().currentTimeMillis() + store.spec.ttlSeconds() * 1000);
    }
    if (node.config().backingStoreFsync().equals("always")) {
      c.deferAtBatchEnd(conn -> writeBehind.whenSynced(position, () -> conn.resumeDeferred(x -> { })));
    }
  }

  // ================================================================ read-modify-write commands

  /**
   * INCR, APPEND, HINCRBY, HDEL and the like on a key of a writing store (node lock held). The
   * field names must be value columns. Write-through: the row is read for update, the result
   * computed and written in one transaction, then cached ({@link #runRmw}). Write-behind: the
   * value must be in the cache first (a miss loads it, with the writes still owed laid over it);
   * then the node's own command runs on it and the resulting value goes to the log.
   */
  private boolean readModifyWrite(ClientConnection c, CommandSpec spec, Request r, Store store, int keyIndex, byte[] key,
      String fullKey, String id, boolean loaded) {
    BackingStoreSpec s = store.spec;
    String name = spec.name();
    boolean stringCommand = ReadModifyWrite.isStringCommand(name);
    if (stringCommand && s.format() != Format.STRING) {
      throw new CommandException(ERR + name.toUpperCase(Locale.ROOT) + " needs a store of one value column (value-column=);"
          + " keys of '" + s.prefix() + "' are " + (s.format() == Format.HASH ? "hashes (format=hash)" : "JSON objects"));
    }
    if (!stringCommand) {
      if (s.format() != Format.HASH) {
        throw new CommandException(ERR + "keys of '" + s.prefix() + "' are strings; " + name.toUpperCase(Locale.ROOT)
            + " needs format=hash");
      }
      int fields = name.equals("hdel") ? r.argc() : 3;
      for (int i = 2; i < fields; i++) {
        String f = r.string(i);
        if (!s.valueColumns().contains(f)) {
          throw new CommandException(ERR + "unknown field '" + f + "' for '" + s.prefix() + "' (columns "
              + s.valueColumns() + ")");
        }
      }
    }
    if (s.mode() == Mode.WRITE_THROUGH) {
      List<byte[]> args = new ArrayList<>();
      for (int i = 2; i < r.argc(); i++) {
        args.add(r.bytes(i));
      }
      c.deferReply();
      enqueue(new RmwOp(store, fullKey, id, key, new Waiter(c, spec, r.copy()), args, nextVersion()));
      return true;
    }
    if (!loaded && keyspace.lookup(0, key, 0, key.length, Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS) == Keyspace.NONE) {
      Long absentUntil = negative.get(fullKey);
      if (absentUntil == null || absentUntil <= node.clock().currentTimeMillis()) {
        c.deferReply();
        load(new Waiter(c, spec, r.copy(), true), store, key, fullKey, id);
        return true;
      }
    }
    keyChanged(fullKey);
    long failedBefore = spec.failedCalls();
    node.dispatcher().call(c, spec, r);
    if (spec.failedCalls() != failedBefore) {
      return true; // the command answered an error and changed nothing
    }
    Map<String, String> cols = new LinkedHashMap<>();
    long ref = keyspace.lookup(0, key, 0, key.length, Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS);
    if (stringCommand) {
      cols.put(s.valueColumns().get(0), ref == Keyspace.NONE ? null
          : new String(keyspace.stringBytes(ref), StandardCharsets.UTF_8));
    } else if (name.equals("hdel")) {
      for (int i = 2; i < r.argc(); i++) {
        cols.put(r.string(i), null);
      }
    } else {
      byte[] f = r.bytes(2);
      byte[] v = ref == Keyspace.NONE ? null : keyspace.hashGet(ref, f, 0, f.length);
      cols.put(r.string(2), v == null ? null : new String(v, StandardCharsets.UTF_8));
    }
    long position;
    try {
      position = writeBehind.append(new WriteRecord(s.prefix(), id, false, cols, nextVersion()));
    } catch (IOException e) {
      appendFailed(c, r, keyIndex, e);
      return true;
    }
    afterWriteBehind(c, r, store, keyIndex, false, ref != Keyspace.NONE && keyspace.expireAt(ref) != Keyspace.NO_EXPIRY,
        position);
    return true;
  }

  /** A write-behind read-modify-write command whose key was loaded for it (node lock held, on its event loop). */
  private void rmwAfterLoad(ClientConnection conn, Waiter w) {
    Request r = w.request();
    int keyIndex = w.spec().firstKey();
    Store store = storeFor(r, keyIndex);
    byte[] key = r.bytes(keyIndex);
    String fullKey = new String(key, StandardCharsets.UTF_8);
    try {
      readModifyWrite(conn, w.spec(), r, store, keyIndex, key, fullKey, fullKey.substring(store.spec.prefix().length()), true);
    } catch (CommandException e) {
      RespWriter.error(conn.out(), e.getMessage());
    }
  }

  /** Write-through read-modify-write: one transaction reads the row for update and writes the result. */
  private void runRmw(RmwOp op) {
    BackingStoreSpec s = op.store.spec;
    String error = null;
    ReadModifyWrite.Result result = null;
    Map<String, Object> after = new LinkedHashMap<>();
    try {
      result = op.store.jdbc.inTransaction(conn -> {
        Map<String, Object> row = op.store.jdbc.load(conn, op.id, true);
        Map<String, String> current = new LinkedHashMap<>();
        for (String c : s.valueColumns()) {
          Object v = row == null ? null : row.get(c);
          current.put(c, v == null ? null : text(v));
        }
        ReadModifyWrite.Result r = ReadModifyWrite.apply(op.command, op.args, s.valueColumns().get(0), current);
        op.store.jdbc.upsert(conn, op.id, r.columns(), op.version);
        after.putAll(current);
        after.putAll(r.columns());
        return r;
      });
      writesThrough.incrementAndGet();
    } catch (CommandException e) {
      error = e.getMessage();
    } catch (SQLException | RuntimeException e) {
      writeThroughErrors.incrementAndGet();
      error = ERR + e.getMessage();
      log.warn("Backing store write of '{}' failed: {}", op.fullKey, e.toString());
    }
    node.lock().lock();
    try {
      Waiter w = op.waiter;
      if (error != null) {
        String e = error;
        w.c().resumeDeferred(conn -> RespWriter.error(conn.out(), e));
      } else {
        keyChanged(op.fullKey);
        String err = populate(op.store, op.key, op.fullKey, after);
        Object reply = result.reply();
        w.spec().recordCall(0, false);
        w.c().resumeDeferred(conn -> {
          if (err != null) {
            RespWriter.error(conn.out(), ERR + "written to the database but not cached: " + err);
          } else if (reply instanceof Long n) {
            conn.replyInteger(n);
          } else {
            conn.replyBulk(((String) reply).getBytes(StandardCharsets.UTF_8));
          }
        });
      }
      advance(op);
    } finally {
      node.lock().unlock();
    }
  }

  /** Puts a write replayed from the log back into the cache (startup, node lock held). */
  private void applyReplayed(WriteBehind.Pending p) {
    Store store = null;
    for (Store s : stores) {
      if (s.spec.prefix().equals(p.prefix)) {
        store = s;
      }
    }
    byte[] key = p.fullKey().getBytes(StandardCharsets.UTF_8);
    if (store == null || p.deleted) {
      keyspace.delete(0, key, 0, key.length);
      return;
    }
    if (p.deleteFirst) {
      keyspace.delete(0, key, 0, key.length);
    }
    if (store.spec.format() == Format.HASH) {
      applyWrite(store, key, new WriteRecord(p.prefix, p.id, false, p.columns, p.version), Kind.HSET, Keyspace.NO_EXPIRY,
          false);
    } else if (store.spec.format() == Format.STRING && p.columns.get(store.spec.valueColumns().get(0)) == null) {
      keyspace.delete(0, key, 0, key.length); // partial state not known: let a read load it (with the overlay)
    } else {
      Map<String, String> cols = new LinkedHashMap<>();
      store.spec.valueColumns().forEach(c -> cols.put(c, p.columns.get(c)));
      applyWrite(store, key, new WriteRecord(p.prefix, p.id, false, cols, p.version), Kind.SET, Keyspace.NO_EXPIRY, false);
    }
  }

  // ================================================================ invalidation

  /** A key's cached state changed: a load in flight must not cache what it read (node lock held). */
  private void keyChanged(String fullKey) {
    if (!negative.isEmpty()) {
      negative.remove(fullKey);
    }
    if (lanes.isEmpty()) {
      return;
    }
    Lane lane = lanes.get(fullKey);
    if (lane != null && lane.running instanceof LoadOp l) {
      l.stale = true;
    }
  }

  private void keyChangedAll(Request r, int first, int last, int step) {
    for (int i = first; i <= last; i += step) {
      if (storeFor(r, i) != null) {
        keyChanged(r.string(i));
      }
    }
  }

  /**
   * The row of {@code id} in {@code table} changed in the database (a NOTIFY from the trigger):
   * drop the keys that cache it. Idempotent; takes the node lock.
   */
  void invalidate(String table, String id) {
    node.lock().lock();
    try {
      for (Store s : stores) {
        if (s.spec.bareTable().equals(table)) {
          String fullKey = s.spec.prefix() + id;
          byte[] key = fullKey.getBytes(StandardCharsets.UTF_8);
          keyspace.delete(0, key, 0, key.length);
          keyChanged(fullKey);
          invalidations.incrementAndGet();
        }
      }
    } finally {
      node.lock().unlock();
    }
  }

  /** Drops every cached key of these stores (the listener reconnected and may have missed changes). */
  void dropAll(List<BackingStoreSpec> specs) {
    List<byte[]> prefixes = specs.stream().map(BackingStoreSpec::prefixBytes).toList();
    long cursor = 0;
    int dropped = 0;
    do {
      List<byte[]> doomed = new ArrayList<>();
      node.lock().lock();
      try {
        cursor = keyspace.scan(0, cursor, 1000, (k, off, len, type) -> {
          for (byte[] p : prefixes) {
            if (len > p.length && java.util.Arrays.equals(k, off, off + p.length, p, 0, p.length)) {
              doomed.add(java.util.Arrays.copyOfRange(k, off, off + len));
            }
          }
        });
        for (byte[] k : doomed) {
          keyspace.delete(0, k, 0, k.length);
          keyChanged(new String(k, StandardCharsets.UTF_8));
        }
        lanes.values().forEach(l -> {
          if (l.running instanceof LoadOp op && specs.contains(op.store.spec)) {
            op.stale = true;
          }
        });
      } finally {
        node.lock().unlock();
      }
      dropped += doomed.size();
    } while (cursor != 0);
    log.info("Backing store: invalidation listener reconnected; dropped {} cached key(s) of {}", dropped,
        specs.stream().map(BackingStoreSpec::prefix).toList());
  }

  // ================================================================ INFO, BACKINGSTORE

  /** The INFO backingstore section's fields. */
  public Map<String, Object> info() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("backingstore_stores", stores.size());
    m.put("backingstore_loads", loads.get());
    m.put("backingstore_load_errors", loadErrors.get());
    m.put("backingstore_coalesced_misses", coalescedMisses.get());
    m.put("backingstore_queries_saved", queriesSaved.get());
    m.put("backingstore_negative_hits", negativeHits.get());
    m.put("backingstore_negative_entries", negative.size());
    m.put("backingstore_writes_through", writesThrough.get());
    m.put("backingstore_write_through_errors", writeThroughErrors.get());
    m.put("backingstore_writes_behind", writesBehind.get());
    m.put("backingstore_invalidations", invalidations.get());
    m.put("backingstore_listener_connected", listener == null ? 0 : listener.connected() ? 1 : 0);
    if (writeBehind != null) {
      m.put("writebehind_queue_depth", writeBehind.depth());
      m.put("writebehind_oldest_pending_ms", writeBehind.oldestPendingAgeMillis());
      m.put("writebehind_appended", writeBehind.appended);
      m.put("writebehind_flushed", writeBehind.flushed);
      m.put("writebehind_flush_rate_per_sec", String.format(Locale.ROOT, "%.2f", writeBehind.flushRatePerSec));
      m.put("writebehind_retries", writeBehind.retries);
      m.put("writebehind_flush_errors", writeBehind.flushErrors);
      m.put("writebehind_dead_letters", writeBehind.deadLetterCount());
      m.put("writebehind_log_bytes", writeBehind.logBytes());
      m.put("writebehind_fsyncs", writeBehind.fsyncs);
    } else {
      m.put("writebehind_queue_depth", 0);
      m.put("writebehind_oldest_pending_ms", 0);
      m.put("writebehind_appended", 0);
      m.put("writebehind_flushed", 0);
      m.put("writebehind_flush_rate_per_sec", "0.00");
      m.put("writebehind_retries", 0);
      m.put("writebehind_flush_errors", 0);
      m.put("writebehind_dead_letters", 0);
    }
    return m;
  }

  /** Dead letters as [key, version, attempts, last error] rows. */
  public List<List<String>> deadLetters() {
    List<List<String>> out = new ArrayList<>();
    if (writeBehind != null) {
      for (WriteBehind.Pending p : writeBehind.deadLetters()) {
        out.add(List.of(p.fullKey(), p.deleted ? "delete" : "upsert", Long.toString(p.version),
            Integer.toString(p.attempts), String.valueOf(p.lastError)));
      }
    }
    return out;
  }

  public int retryDeadLetters() {
    return writeBehind == null ? 0 : writeBehind.retryDeadLetters();
  }

  /** Stops the listener, drains the write-behind queue (bounded), closes the pools. */
  @Override
  public void close() {
    if (listener != null) {
      listener.close();
    }
    if (writeBehind != null) {
      writeBehind.close();
    }
    jdbc.shutdown();
    try {
      jdbc.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stores.forEach(s -> s.jdbc.close());
    if (versions != null) {
      versions.close();
    }
  }
}
