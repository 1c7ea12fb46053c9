package io.corvid.server.backing;

import io.corvid.server.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-behind queue: a durable local append-only log plus the coalesced writes it still owes
 * the database, and the flusher thread that pays them.
 *
 * <h2>Durability</h2>
 * Every acknowledged write-behind write is first appended to {@code <dir>/corvid-write-behind.log}
 * as one frame {@code length:int crc32c:int record}. The log is memory-mapped (shared) and the
 * frame is copied into the mapping: no system call per write, and the bytes are in the kernel's
 * page cache the moment the copy ends, so a process killed at any later point (kill -9) loses
 * none of them (a copy cut short by the kill leaves a torn frame that its CRC exposes, and that
 * write was never acknowledged). The file grows in zero-filled chunks of {@link #MAP_CHUNK_BYTES}
 * written with ordinary writes, so its blocks exist before they are mapped (a full disk fails
 * the growth with an error, never a fault in the copy). fsync is {@code fdatasync} of the file,
 * which on Linux writes back the pages dirtied through the mapping as well. With {@code backing-store-fsync always} the
 * client's OK waits until a sync thread has fsynced past the write (every write appended before an
 * fsync rides on it: group commit); with {@code everysec} the log is fsynced once a second, as
 * Redis's appendfsync everysec, so a machine crash (not a process crash) can lose up to a second;
 * with {@code no} the kernel decides. A node that restarts after kill -9 replays the log (a torn
 * last frame is cut off), puts the writes back into the cache and flushes them again; the
 * versions make a write already in the database a no-op.
 *
 * <h2>Two locks</h2>
 * Event loops take only the log's lock ({@code this}), for the copy into the mapping. The queue
 * ({@link #queue}: pending, in flight, dead letters) has its own lock; whoever needs it current
 * (the flusher, a load's overlay, INFO) first decodes the frames appended since the last time
 * ({@link #absorbLog}): the log is the hand-off. Lock order: the queue, then the log.
 *
 * <h2>Flushing</h2>
 * Pending writes are coalesced per key ({@link Pending}: last write wins column by column, a
 * delete resets the row). One flusher thread takes up to {@code backing-store-batch-size} keys
 * at a time, oldest first, and writes each store's share in one transaction; when the
 * transaction fails it retries the keys one by one, so one bad row does not hold the others back.
 * A key that failed waits {@link #backoffMillis} and after {@code backing-store-max-attempts}
 * failures moves to the dead-letter list ({@code BACKINGSTORE DEADLETTERS}, {@code BACKINGSTORE
 * RETRY}). A key is either pending or being flushed, and the flusher is one thread, so the writes
 * of one key reach the database in order.
 *
 * <h2>The log's size</h2>
 * When nothing is pending, being flushed or dead, the log is truncated; when it outgrows {@link
 * #COMPACT_THRESHOLD_BYTES} it is rewritten with only the coalesced writes still owed (write to a
 * temporary file, fsync, rename).
 *
 * <h2>Replication seam</h2>
 * The queue is local to the node. When the cluster arrives, {@link #append} / {@link #appendUpsert}
 * (docs/architecture.md, "Write-behind replication") is the point where a
 * write must also be shipped to the slot's replica (and the OK wait for its acknowledgement), and
 * {@link #pendingFor}/{@link #replayRecords} is what a promoted replica or a slot hand-off needs.
 */
final class WriteBehind implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("corvid");
  static final String LOG_FILE = "corvid-write-behind.log";
  /** Truncate the log once nothing is owed and it is at least this big (truncating more often costs appends a wait). */
  static final long TRUNCATE_MIN_BYTES = 1024 * 1024;
  /** Rewrite the log (keeping only what is still owed) once it is this big. */
  static final long COMPACT_THRESHOLD_BYTES = 64L * 1024 * 1024;
  /** INFO's flush rate is the rows written over the last window of this length. */
  static final long RATE_WINDOW_MILLIS = 1_000;
  /** The flusher looks for work this often when idle. */
  static final long FLUSH_INTERVAL_MILLIS = 20;
  static final long BACKOFF_BASE_MILLIS = 100;
  static final long BACKOFF_MAX_MILLIS = 10_000;
  /** everysec: fsync at least this often while writes arrive. */
  static final long EVERYSEC_MILLIS = 1_000;
  /** A graceful shutdown waits at most this long for the queue to drain; what is left stays in the log. */
  static final long DRAIN_TIMEOUT_MILLIS = 30_000;
  /** Largest frame accepted on replay (a frame is one write; columns are bounded by proto-max-bulk-len). */
  static final int MAX_FRAME_BYTES = Integer.MAX_VALUE - 16;
  private static final int FRAME_HEADER_BYTES = 8;
  /** The log file grows (zero-filled, then mapped) by this much at a time. */
  static final long MAP_CHUNK_BYTES = 8L * 1024 * 1024;

  /** At most this much of the log is copied out for decoding at a time (more if one frame is bigger). */
  static final int ABSORB_CHUNK_BYTES = 4 * 1024 * 1024;
  private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

  private final Path file;
  private final Map<String, JdbcStore> stores;
  private final ServerConfig config;

  // The log: guarded by this. Event loops take only this lock, for a copy into the mapping.
  private FileChannel channel;
  private boolean closed;
  /** The mapping of the log file's first {@link #mappedBytes} bytes, and its owner. */
  private Arena arena;
  private MemorySegment mapped;
  private long mappedBytes;
  /** Frames are encoded here, then copied into the mapping. */
  private ByteBuffer scratch = ByteBuffer.allocate(512);
  private final CRC32C crc = new CRC32C();
  /** Bytes in the log file now (the rest of the mapping is zeros). */
  private long fileBytes;
  /** Bytes ever appended by this process: the logical positions fsync waiters wait for. */
  private long appendedTotal;
  private long syncedTotal;
  private boolean dirty;
  private final List<SyncWaiter> syncWaiters = new ArrayList<>();
  private volatile boolean running = true;

  // The queue: guarded by {@link #queue}, taken before this when both are needed. The log is the
  // hand-off: the flusher (or a load, or INFO) decodes the frames past decodedBytes into pending.
  private final Object queue = new Object();
  private long decodedBytes;
  private final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>();
  private final LinkedHashMap<String, Pending> inflight = new LinkedHashMap<>();
  private final LinkedHashMap<String, Pending> deadLetters = new LinkedHashMap<>();
  private boolean draining;

  // stats (read without the lock by INFO)
  volatile long appended;
  volatile long flushed;
  volatile long retries;
  volatile long flushErrors;
  volatile double flushRatePerSec;
  volatile long fsyncs;

  private final Thread flusher;
  private final Thread syncer;

  private record SyncWaiter(long position, Runnable done) {}

  WriteBehind(Path dir, Map<String, JdbcStore> stores, ServerConfig config) throws IOException {
    Files.createDirectories(dir);
    this.file = dir.resolve(LOG_FILE);
    this.stores = stores;
    this.config = config;
    this.flusher = new Thread(this::flushLoop, "corvid-write-behind-flusher");
    this.syncer = new Thread(this::syncLoop, "corvid-write-behind-fsync");
    flusher.setDaemon(true);
    syncer.setDaemon(true);
  }

  /**
   * Reads the log left by the previous run (cutting a torn tail), queues its writes, and opens it
   * for appending. Returns the coalesced writes (copies) so the caller can put them back into the cache.
   */
  List<Pending> replayRecords() throws IOException {
    synchronized (queue) {
      synchronized (this) {
        long good = 0;
        int count = 0;
        boolean zeroTail = false;
        if (Files.exists(file)) {
          try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            ByteBuffer header = ByteBuffer.allocate(FRAME_HEADER_BYTES);
            while (good + FRAME_HEADER_BYTES <= size) {
              header.clear();
              readFully(in, header, good);
              header.flip();
              int len = header.getInt();
              int crc = header.getInt();
              if (len == 0 && crc == 0) {
                zeroTail = true; // the unused rest of the last mapped chunk
                break;
              }
              if (len <= 0 || len > MAX_FRAME_BYTES || good + FRAME_HEADER_BYTES + len > size) {
                break;
              }
              ByteBuffer body = ByteBuffer.allocate(len);
              readFully(in, body, good + FRAME_HEADER_BYTES);
              CRC32C c = new CRC32C();
              c.update(body.array(), 0, len);
              if ((int) c.getValue() != crc) {
                break;
              }
              WriteRecord r = WriteRecord.decode(new DataInputStream(new ByteArrayInputStream(body.array())));
              merge(pending, r.fullKey(), Pending.of(r, System.currentTimeMillis()));
              good += FRAME_HEADER_BYTES + len;
              count++;
            }
            if (good < size && !zeroTail) {
              log.warn("Write-behind log {}: cut {} bytes of a torn or corrupt tail after {} records", file, size - good, count);
            }
          }
        }
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        channel.truncate(good);
        fileBytes = good;
        decodedBytes = good;
        mapFrom(good);
        channel.force(true);
        if (count > 0) {
          log.info("Write-behind log {}: replayed {} writes, {} keys to flush", file, count, pending.size());
        }
        return pending.values().stream().map(Pending::new).toList();
      }
    }
  }

  void start() {
    flusher.start();
    syncer.start();
  }

  private static void readFully(FileChannel in, ByteBuffer b, long position) throws IOException {
    while (b.hasRemaining()) {
      if (in.read(b, position + b.position()) < 0) {
        throw new IOException("unexpected end of " + LOG_FILE);
      }
    }
  }

  // ---------------------------------------------------------------- appending (event loops)

  /**
   * Appends an acknowledged write (event loop, node lock held): once this returns, the write is
   * in the page cache and survives the process. Returns the log position a client must see
   * fsynced before its OK under {@code always}. The queue takes the write from the log later.
   */
  synchronized long append(WriteRecord r) throws IOException {
    ByteBuffer b = scratch;
    b.clear().position(FRAME_HEADER_BYTES);
    scratch = r.encodeTo(b);
    return appendScratch();
  }

  /**
   * {@link #append} of a one-column upsert straight from the request's bytes (no strings): what a
   * SET on a key of a one-column store stands for.
   */
  synchronized long appendUpsert(byte[] prefix, byte[] idBuf, int idOff, int idLen, byte[] column, byte[] valueBuf,
      int valueOff, int valueLen, long version) throws IOException {
    int need = FRAME_HEADER_BYTES + 8 + 1 + 4 + prefix.length + 4 + idLen + 4 + 4 + column.length + 1 + 4 + valueLen;
    if (scratch.capacity() < need) {
      scratch = ByteBuffer.allocate(Math.max(need, scratch.capacity() * 2));
    }
    ByteBuffer b = scratch;
    b.clear().position(FRAME_HEADER_BYTES);
    b.putLong(version).put(WriteRecord.OP_UPSERT).putInt(prefix.length).put(prefix).putInt(idLen).put(idBuf, idOff, idLen)
        .putInt(1).putInt(column.length).put(column).put((byte) 0).putInt(valueLen).put(valueBuf, valueOff, valueLen);
    return appendScratch();
  }

  /** Frames the record encoded in {@link #scratch} after the header room and copies it into the mapping. */
  private long appendScratch() throws IOException {
    if (closed) {
      throw new IOException("the write-behind log is closed (the node is shutting down)");
    }
    ByteBuffer b = scratch;
    int bodyLength = b.position() - FRAME_HEADER_BYTES;
    crc.reset();
    crc.update(b.array(), FRAME_HEADER_BYTES, bodyLength);
    b.putInt(0, bodyLength).putInt(4, (int) crc.getValue());
    int n = b.position();
    if (fileBytes + n > mappedBytes) {
      mapFrom(fileBytes + n);
    }
    try {
      MemorySegment.copy(b.array(), 0, mapped, ValueLayout.JAVA_BYTE, fileBytes, n);
    } catch (InternalError e) {
      throw new IOException("write-behind log mapping fault: " + e.getMessage(), e);
    }
    fileBytes += n;
    appendedTotal += n;
    appended++;
    dirty = true;
    return appendedTotal;
  }

  /**
   * Makes the file at least {@code needed} bytes plus a chunk, zero-filled from {@link #fileBytes}
   * with ordinary writes (so the blocks exist), and maps all of it anew (this held).
   */
  private void mapFrom(long needed) throws IOException {
    long size = (needed + MAP_CHUNK_BYTES + MAP_CHUNK_BYTES - 1) / MAP_CHUNK_BYTES * MAP_CHUNK_BYTES;
    unmap();
    ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
    for (long at = fileBytes; at < size; ) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
      at += channel.write(zeros, at);
    }
    arena = Arena.ofShared();
    mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
    mappedBytes = size;
  }

  private void unmap() {
    if (arena != null) {
      arena.close();
      arena = null;
      mapped = null;
      mappedBytes = 0;
    }
  }

  /** Runs {@code done} (on the sync thread) once the log is fsynced past {@code position}. */
  synchronized void whenSynced(long position, Runnable done) {
    if (syncedTotal >= position) {
      done.run();
      return;
    }
    syncWaiters.add(new SyncWaiter(position, done));
    notifyAll();
  }

  // ---------------------------------------------------------------- the queue

  /**
   * Decodes the frames appended since the last call into {@link #pending} (queue held): the bytes
   * are copied out under the log lock, decoded and merged outside it.
   */
  private void absorbLog() {
    while (true) {
      byte[] bytes;
      long from = decodedBytes;
      synchronized (this) {
        long available = fileBytes - from;
        if (available <= 0 || mapped == null) {
          return;
        }
        int n = (int) Math.min(available, ABSORB_CHUNK_BYTES);
        if (n < available) {
          int first = FRAME_HEADER_BYTES + mapped.get(INT_BE, from);
          n = Math.max(n, first);
        }
        bytes = new byte[n];
        MemorySegment.copy(mapped, ValueLayout.JAVA_BYTE, from, bytes, 0, n);
      }
      long now = System.currentTimeMillis();
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.remaining() >= FRAME_HEADER_BYTES) {
        int len = b.getInt(b.position());
        if (b.remaining() < FRAME_HEADER_BYTES + len) {
          break; // the rest of this frame is in the next chunk
        }
        try {
          WriteRecord r = WriteRecord.decode(new DataInputStream(
              new ByteArrayInputStream(bytes, b.position() + FRAME_HEADER_BYTES, len)));
          merge(pending, r.fullKey(), Pending.of(r, now));
        } catch (IOException e) {
          // Cannot happen for frames this process wrote; keep going rather than stall the queue.
          log.error("Write-behind log: undecodable frame at {}: {}", from + b.position(), e.toString());
        }
        b.position(b.position() + FRAME_HEADER_BYTES + len);
      }
      decodedBytes = from + b.position();
    }
  }

  private static void merge(Map<String, Pending> map, String key, Pending newer) {
    Pending cur = map.get(key);
    if (cur == null) {
      map.put(key, newer);
    } else {
      cur.absorb(newer);
    }
  }

  /** The state still owed to the database for a key (for a read-through load), or null. */
  Pending pendingFor(String fullKey) {
    synchronized (queue) {
      absorbLog();
      Pending in = inflight.get(fullKey);
      Pending p = pending.get(fullKey);
      if (in == null && p == null) {
        return null;
      }
      Pending out = new Pending(in != null ? in : p);
      if (in != null && p != null) {
        out.absorb(new Pending(p));
      }
      return out;
    }
  }

  // ---------------------------------------------------------------- fsync thread

  private void syncLoop() {
    long lastSync = System.currentTimeMillis();
    while (true) {
      FileChannel ch;
      long position;
      List<SyncWaiter> due;
      synchronized (this) {
        while (true) {
          if (!running && syncWaiters.isEmpty()) {
            return;
          }
          boolean everysecDue = dirty && config.backingStoreFsync().equals("everysec")
              && System.currentTimeMillis() - lastSync >= EVERYSEC_MILLIS;
          if (!syncWaiters.isEmpty() || everysecDue) {
            break;
          }
          waitQuietly(this, EVERYSEC_MILLIS / 10);
        }
        ch = channel;
        position = appendedTotal;
        dirty = false;
        due = new ArrayList<>(syncWaiters);
        syncWaiters.clear();
      }
      try {
        ch.force(false); // fdatasync: writes back the pages dirtied through the mapping too
        fsyncs++;
      } catch (ClosedChannelException e) {
        // The log was rewritten (compaction), which fsynced everything appended before it.
      } catch (IOException e) {
        log.error("Write-behind log fsync failed: {}", e.toString());
      }
      lastSync = System.currentTimeMillis();
      synchronized (this) {
        syncedTotal = Math.max(syncedTotal, position);
      }
      for (SyncWaiter w : due) {
        w.done().run();
      }
    }
  }

  // ---------------------------------------------------------------- flusher thread

  private void flushLoop() {
    long rateStart = System.currentTimeMillis();
    long rateFlushed = 0;
    while (true) {
      List<Pending> batch;
      synchronized (queue) {
        absorbLog();
        batch = takeBatch();
        if (batch.isEmpty()) {
          if (!running && (!draining || pending.isEmpty())) {
            return;
          }
          maybeCompact(false);
          waitQuietly(queue, FLUSH_INTERVAL_MILLIS);
        }
      }
      if (!batch.isEmpty()) {
        flushBatch(batch);
      }
      // The rate over the last whole window of at least a second (0 once a window passes without flushes).
      long now = System.currentTimeMillis();
      if (now - rateStart >= RATE_WINDOW_MILLIS) {
        long f = flushed;
        flushRatePerSec = (f - rateFlushed) * 1000.0 / (now - rateStart);
        rateStart = now;
        rateFlushed = f;
      }
    }
  }

  private List<Pending> takeBatch() {
    List<Pending> batch = new ArrayList<>();
    long now = System.currentTimeMillis();
    long max = config.backingStoreBatchSize();
    var it = pending.entrySet().iterator();
    while (it.hasNext() && batch.size() < max) {
      var e = it.next();
      if (e.getValue().notBeforeMillis > now) {
        continue;
      }
      it.remove();
      inflight.put(e.getKey(), e.getValue());
      batch.add(e.getValue());
    }
    return batch;
  }

  private void flushBatch(List<Pending> batch) {
    Map<String, List<Pending>> byStore = new LinkedHashMap<>();
    for (Pending p : batch) {
      byStore.computeIfAbsent(p.prefix, k -> new ArrayList<>()).add(p);
    }
    for (Map.Entry<String, List<Pending>> e : byStore.entrySet()) {
      JdbcStore store = stores.get(e.getKey());
      List<Pending> items = e.getValue();
      if (store == null) {
        for (Pending p : items) {
          failed(p, "no backing-store is configured for prefix '" + p.prefix + "'");
        }
        continue;
      }
      try {
        writeAll(store, items);
        succeeded(items);
      } catch (SQLException | RuntimeException batchError) {
        if (items.size() == 1) {
          failed(items.get(0), batchError.getMessage());
          continue;
        }
        for (Pending p : items) {
          try {
            writeAll(store, List.of(p));
            succeeded(List.of(p));
          } catch (SQLException | RuntimeException one) {
            failed(p, one.getMessage());
          }
        }
      }
    }
  }

  private static void writeAll(JdbcStore store, List<Pending> items) throws SQLException {
    store.inTransaction(conn -> {
      store.writeBatch(conn, items);
      return null;
    });
  }

  private void succeeded(List<Pending> items) {
    synchronized (queue) {
      for (Pending p : items) {
        inflight.remove(p.fullKey());
      }
      flushed += items.size();
    }
  }

  private void failed(Pending p, String error) {
    synchronized (queue) {
      inflight.remove(p.fullKey());
      p.attempts++;
      p.lastError = error;
      flushErrors++;
      absorbLog(); // a newer write of the key may still be in the log only
      if (p.attempts >= config.backingStoreMaxAttempts()) {
        log.warn("Write-behind write of '{}' failed {} times, moved to the dead letters: {}", p.fullKey(), p.attempts, error);
        Pending newer = pending.remove(p.fullKey());
        if (newer != null) {
          p.absorb(newer);
        }
        merge(deadLetters, p.fullKey(), p);
        return;
      }
      retries++;
      p.notBeforeMillis = System.currentTimeMillis() + backoffMillis(p.attempts);
      Pending newer = pending.remove(p.fullKey());
      if (newer != null) {
        p.absorb(newer); // keep order: the failed (older) write first, the newer one over it
      }
      pending.put(p.fullKey(), p);
    }
  }

  static long backoffMillis(int attempts) {
    return Math.min(BACKOFF_MAX_MILLIS, BACKOFF_BASE_MILLIS << Math.min(20, attempts - 1));
  }

  /**
   * Truncates the log when nothing is owed and it holds at least {@link #TRUNCATE_MIN_BYTES}, or
   * rewrites it past {@link #COMPACT_THRESHOLD_BYTES} (queue held; the log lock is taken, so
   * appends wait: the truncation is not fsynced, and the rewrite is rare). Everything appended so
   * far is then either in the database or in an fsynced file, so fsync waiters up to now are
   * released.
   */
  private void maybeCompact(boolean closing) {
    try {
      if (pending.isEmpty() && inflight.isEmpty() && deadLetters.isEmpty()) {
        synchronized (this) {
          if (decodedBytes == fileBytes && (fileBytes >= TRUNCATE_MIN_BYTES || (closing && fileBytes > 0))) {
            // Not fsynced: should a machine crash bring old frames back, their writes are in the
            // database already and their versions make replaying them a no-op.
            unmap();
            channel.truncate(0);
            fileBytes = 0;
            decodedBytes = 0;
            if (!closing) {
              mapFrom(0);
            }
            releaseWaiters();
          }
        }
        return;
      }
      synchronized (this) {
        if (fileBytes <= COMPACT_THRESHOLD_BYTES) {
          return;
        }
        absorbLog(); // what was appended since the caller's absorb (this is held now: nothing more comes)
        Path tmp = file.resolveSibling(LOG_FILE + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
          for (Map<String, Pending> m : List.of(deadLetters, inflight, pending)) {
            for (Pending p : m.values()) {
              for (WriteRecord r : p.asRecords()) {
                writeFrame(out, r);
              }
            }
          }
          out.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        FileChannel old = channel;
        unmap();
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
        fileBytes = channel.size();
        decodedBytes = fileBytes;
        old.close();
        mapFrom(fileBytes);
        releaseWaiters();
        log.info("Write-behind log rewritten: {} bytes for {} keys still owed", fileBytes,
            pending.size() + inflight.size() + deadLetters.size());
      }
    } catch (IOException e) {
      log.error("Write-behind log compaction failed: {}", e.toString());
    }
  }

  private static void writeFrame(FileChannel ch, WriteRecord r) throws IOException {
    byte[] body = r.encode();
    CRC32C c = new CRC32C();
    c.update(body, 0, body.length);
    ByteBuffer b = ByteBuffer.allocate(FRAME_HEADER_BYTES + body.length);
    b.putInt(body.length).putInt((int) c.getValue()).put(body).flip();
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** Everything appended is durable (this held): the sync thread releases every waiter. */
  private void releaseWaiters() {
    syncedTotal = appendedTotal;
    dirty = false;
    notifyAll();
  }

  private static void waitQuietly(Object monitor, long millis) {
    try {
      monitor.wait(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- dead letters, stats

  List<Pending> deadLetters() {
    synchronized (queue) {
      return deadLetters.values().stream().map(Pending::new).toList();
    }
  }

  /** Moves every dead letter back to the queue with a fresh attempt count; returns how many. */
  int retryDeadLetters() {
    synchronized (queue) {
      absorbLog();
      int n = deadLetters.size();
      for (Pending p : deadLetters.values()) {
        p.attempts = 0;
        p.notBeforeMillis = 0;
        Pending newer = pending.remove(p.fullKey());
        if (newer != null) {
          p.absorb(newer);
        }
        pending.put(p.fullKey(), p);
      }
      deadLetters.clear();
      queue.notifyAll();
      return n;
    }
  }

  /** Keys owed to the database: queued (including writes still only in the log) or being flushed. */
  int depth() {
    synchronized (queue) {
      absorbLog();
      return pending.size() + inflight.size();
    }
  }

  int deadLetterCount() {
    synchronized (queue) {
      return deadLetters.size();
    }
  }

  long oldestPendingAgeMillis() {
    synchronized (queue) {
      absorbLog();
      long oldest = Long.MAX_VALUE;
      for (Map<String, Pending> m : List.of(inflight, pending)) {
        for (Pending p : m.values()) {
          oldest = Math.min(oldest, p.firstMillis);
        }
      }
      return oldest == Long.MAX_VALUE ? 0 : System.currentTimeMillis() - oldest;
    }
  }

  synchronized long logBytes() {
    return fileBytes;
  }

  /** Graceful stop: drains the queue (bounded by {@link #DRAIN_TIMEOUT_MILLIS}), fsyncs, closes. */
  @Override
  public void close() {
    running = false;
    synchronized (queue) {
      draining = true;
      queue.notifyAll();
    }
    synchronized (this) {
      notifyAll();
    }
    try {
      flusher.join(DRAIN_TIMEOUT_MILLIS);
      if (flusher.isAlive()) {
        synchronized (queue) {
          draining = false;
          queue.notifyAll();
        }
        flusher.join(5_000);
      }
      syncer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (queue) {
      synchronized (this) {
        if (channel == null || closed) {
          return;
        }
        absorbLog();
        int left = pending.size() + inflight.size() + deadLetters.size();
        maybeCompact(true);
        closed = true;
        try {
          unmap();
          channel.truncate(fileBytes); // drop the zero-filled rest of the last chunk
          channel.force(true);
          channel.close();
        } catch (IOException e) {
          log.error("Write-behind log close failed: {}", e.toString());
        }
        if (left > 0) {
          log.warn("Write-behind: {} key(s) not flushed at shutdown stay in {} and will be flushed on restart", left, file);
        } else {
          log.info("Write-behind queue drained");
        }
      }
    }
  }

  /** Test and status hook: flushed everything and nothing is dead. */
  boolean idle() {
    synchronized (queue) {
      absorbLog();
      return pending.isEmpty() && inflight.isEmpty();
    }
  }

  // ---------------------------------------------------------------- one key's coalesced writes

  /**
   * What one key still owes the database: its columns after all its writes, or deleted. {@code
   * deleteFirst} marks an upsert that follows a delete: the old row goes first, so columns the
   * new writes did not name become NULL rather than keeping their old values.
   */
  static final class Pending {
    final String prefix;
    final String id;
    boolean deleted;
    boolean deleteFirst;
    final LinkedHashMap<String, String> columns = new LinkedHashMap<>();
    long version;
    final long firstMillis;
    int attempts;
    long notBeforeMillis;
    String lastError;

    private Pending(String prefix, String id, long firstMillis) {
      this.prefix = prefix;
      this.id = id;
      this.firstMillis = firstMillis;
    }

    Pending(Pending o) {
      this(o.prefix, o.id, o.firstMillis);
      deleted = o.deleted;
      deleteFirst = o.deleteFirst;
      columns.putAll(o.columns);
      version = o.version;
      attempts = o.attempts;
      notBeforeMillis = o.notBeforeMillis;
      lastError = o.lastError;
    }

    static Pending of(WriteRecord r, long nowMillis) {
      Pending p = new Pending(r.prefix(), r.id(), nowMillis);
      p.deleted = r.delete();
      p.deleteFirst = r.delete();
      p.columns.putAll(r.columns());
      p.version = r.version();
      return p;
    }

    String fullKey() {
      return prefix + id;
    }

    /** Applies a newer write on top of this one (last write wins, per column). */
    void absorb(Pending newer) {
      if (newer.deleted) {
        deleted = true;
        deleteFirst = true;
        columns.clear();
      } else {
        if (deleted || newer.deleteFirst) {
          deleteFirst = true;
          columns.clear();
        }
        deleted = false;
        columns.putAll(newer.columns);
      }
      version = Math.max(version, newer.version);
    }

    /** As log records: a delete, an upsert, or a delete then an upsert (replaying them rebuilds this). */
    List<WriteRecord> asRecords() {
      WriteRecord upsert = new WriteRecord(prefix, id, false, new LinkedHashMap<>(columns), version);
      if (deleted) {
        return List.of(new WriteRecord(prefix, id, true, Map.of(), version));
      }
      return deleteFirst ? List.of(new WriteRecord(prefix, id, true, Map.of(), version), upsert) : List.of(upsert);
    }
  }
}
