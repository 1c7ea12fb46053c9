package io.corvid.storage;

import io.corvid.common.Clock;

/**
 * All the databases of one node: keys and values as bytes, split by slot, bounded by maxmemory,
 * with eviction and expiry. This is the whole contract between the storage engine and the server.
 *
 * <h2>Threading</h2>
 * Not thread-safe. The server serialises every call (one lock per keyspace); the engine owns no
 * thread. Active expiry runs when the server calls {@link #activeExpireCycle(int)}.
 *
 * <h2>Entry references</h2>
 * Lookups return an entry reference ({@code long}, {@link #NONE} when absent). A reference is
 * valid only until the next call that may change the keyspace (any write, delete, expire, evict,
 * flush or active expire cycle). Reads through a reference never mutate.
 *
 * <h2>Keys</h2>
 * Keys are passed as slices {@code (byte[] key, int off, int len)} so the server can pass bytes
 * straight from its request buffer without copying. The engine never keeps the caller's array.
 *
 * <h2>Time</h2>
 * Expiry times are absolute Unix times in milliseconds, {@link #NO_EXPIRY} for none, read from
 * the injected {@link Clock}. An entry whose expiry time is {@code <= now} is logically gone:
 * lookups remove it (counting it in {@code expired_keys}) and report it absent.
 *
 * <h2>Memory</h2>
 * {@link #usedMemory()} counts what entries really cost (keys, values, per-entry headers, index),
 * so the process stays near maxmemory. Writes never evict by themselves: as in Redis, the server
 * calls {@link #evictIfNeeded()} before a command that may grow memory, and answers
 * {@code -OOM command not allowed when used memory > 'maxmemory'.} when it returns false.
 */
public interface Keyspace extends AutoCloseable {

  long NONE = 0L;
  long NO_EXPIRY = -1L;

  /** Lookup flag: do not update recency / frequency (TYPE, TTL, OBJECT, EXISTS do not touch). */
  int LOOKUP_NOTOUCH = 1;
  /** Lookup flag: do not count a keyspace hit or miss. */
  int LOOKUP_NOSTATS = 2;

  /** Creates the production keyspace. */
  static Keyspace create(StorageConfig config, Clock clock) {
    return KeyspaceFactory.create(config, clock);
  }

  // ---------------------------------------------------------------- configuration

  int databases();

  long maxMemory();

  /** 0 means unlimited. Takes effect at the next {@link #evictIfNeeded()}. */
  void setMaxMemory(long bytes);

  EvictionPolicy policy();

  /** May reorganise per-entry policy state; O(n) once. */
  void setPolicy(EvictionPolicy policy);

  void setLfuLogFactor(int factor);

  void setLfuDecayTimeMinutes(int minutes);

  void setListener(KeyspaceListener listener);

  // ---------------------------------------------------------------- reads

  /** The live entry of a key, or {@link #NONE}. Lazily expires. Counts a hit or miss unless NOSTATS. */
  long lookup(int db, byte[] key, int off, int len, int flags);

  ValueType type(long ref);

  /** Expiry of the entry as absolute Unix ms, or {@link #NO_EXPIRY}. */
  long expireAt(long ref);

  /** Length in bytes of a string value. */
  int stringLength(long ref);

  /** Copies {@code len} bytes of a string value starting at {@code srcOff} into {@code dst}. */
  void copyString(long ref, int srcOff, byte[] dst, int dstOff, int len);

  /**
   * Native address of the first byte of a string value, or 0 when the value is not off-heap. Lets
   * the server copy a value straight into a direct network buffer with no intermediate array.
   */
  long stringAddress(long ref);

  /** A copy of a string value (allocates; not for the GET hot path). */
  default byte[] stringBytes(long ref) {
    int len = stringLength(ref);
    byte[] out = new byte[len];
    copyString(ref, 0, out, 0, len);
    return out;
  }

  /** A copy of the key of an entry. */
  byte[] keyBytes(long ref);

  /** Number of fields of a hash. */
  int hashLength(long ref);

  /** A field's value, or null when the hash has no such field. */
  byte[] hashGet(long ref, byte[] field, int off, int len);

  /** Visits every field of a hash (order unspecified but stable while the hash is unchanged). */
  void hashForEach(long ref, HashVisitor visitor);

  /**
   * One HSCAN step with SCAN's guarantees. A listpack-encoded hash is visited whole and the
   * answer is cursor 0, as Redis does; a hashtable-encoded one is walked from {@code cursor}
   * (Redis's reverse-binary cursor over its buckets) until about {@code count} fields were
   * visited. Returns the next cursor, 0 when done. An unknown cursor ends the scan.
   */
  long hashScan(long ref, long cursor, int count, HashVisitor visitor);

  // ---------------------------------------------------------------- writes

  /**
   * Creates or replaces the key with a string value (whatever type it held), with the given
   * expiry ({@link #NO_EXPIRY} for none). With {@code keepTtl} the key's current expiry is kept
   * and {@code expireAtMillis} is ignored. Returns the new entry's reference.
   */
  long setString(int db, byte[] key, int keyOff, int keyLen, byte[] value, int valueOff, int valueLen,
      long expireAtMillis, boolean keepTtl);

  /**
   * APPEND and SETRANGE on an existing string key (the caller has checked it is one): writes
   * {@code srcLen} bytes at {@code offset} of the value, zero-filling from the old end to
   * {@code offset}, and keeps the TTL. When the value must grow, its chunk is reallocated with
   * room to spare as Redis's sds does (twice the new length up to {@link #STRING_PREALLOC_LIMIT_BYTES},
   * then that much more), so repeated appends cost amortised O(appended bytes); the slack is
   * counted in {@link #usedMemory()} and {@link #memoryUsage}. Returns the new length.
   */
  int writeString(int db, byte[] key, int keyOff, int keyLen, int offset, byte[] src, int srcOff, int srcLen);

  /** Redis's SDS_MAX_PREALLOC: a growing string gets at most this much room to spare. */
  int STRING_PREALLOC_LIMIT_BYTES = 1024 * 1024;

  /**
   * Sets a field of the hash at key, creating the hash when the key is absent. The caller has
   * checked that the key, if present, is a hash. Returns true when the field is new.
   */
  boolean hashSet(int db, byte[] key, int keyOff, int keyLen, byte[] field, int fieldOff, int fieldLen,
      byte[] value, int valueOff, int valueLen);

  /** Removes a field; removes the key when the hash becomes empty. Returns true when it existed. */
  boolean hashDelete(int db, byte[] key, int keyOff, int keyLen, byte[] field, int fieldOff, int fieldLen);

  /** Removes a key. Returns true when it existed (and was not expired). */
  boolean delete(int db, byte[] key, int off, int len);

  /** Sets (or with {@link #NO_EXPIRY} removes) the expiry of an existing key. False when absent. */
  boolean setExpire(int db, byte[] key, int off, int len, long expireAtMillis);

  /** Renames; the destination is overwritten. False when the source is absent. Keeps the TTL. */
  boolean rename(int db, byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen);

  /** Copies a key of any type, with its TTL. False when the source is absent or the destination exists and !replace. */
  boolean copy(int srcDb, byte[] src, int srcOff, int srcLen, int dstDb, byte[] dst, int dstOff, int dstLen, boolean replace);

  /** Moves a key to another database, as MOVE. False when absent or present in the target. */
  boolean move(int srcDb, byte[] key, int off, int len, int dstDb);

  void flush(int db);

  void flushAll();

  // ---------------------------------------------------------------- iteration

  /** Live keys in a database (DBSIZE). May include keys that expired but were not yet reclaimed. */
  long size(int db);

  /** Keys with an expiry in a database (INFO keyspace "expires="). */
  long volatileSize(int db);

  /**
   * One SCAN step with Redis's guarantees: a key present for the whole scan is returned at least
   * once, whatever resizing happens. Visits about {@code count} keys; returns the next cursor, 0
   * when the scan is complete.
   */
  long scan(int db, long cursor, int count, KeyVisitor visitor);

  /** A random live key's reference, or {@link #NONE} when the database is empty. */
  long randomKey(int db);

  /** Keys of a slot in database 0 (cluster mode). */
  int countKeysInSlot(int slot);

  /** Visits up to {@code max} keys of a slot in database 0; returns how many were visited. */
  int keysInSlot(int slot, int max, KeyVisitor visitor);

  // ---------------------------------------------------------------- serialised entries (DUMP, RESTORE, slot streaming)

  /** DUMP: the value of an entry in {@link EntryFormat} (version, type, value, CRC); no key or TTL. */
  byte[] dump(long ref);

  /**
   * RESTORE: creates {@code key} from a {@link #dump} payload, verified (version, CRC, lengths)
   * before anything changes. False (and nothing changes) when the key exists and not
   * {@code replace}. An expiry at or before now creates nothing (an existing key is still
   * deleted with {@code replace}), as Redis. {@code idleSeconds >= 0} sets OBJECT IDLETIME;
   * {@code lfuFrequency >= 0} sets the LFU counter under an LFU policy.
   *
   * @throws EntryFormatException when the payload is corrupted
   */
  boolean restore(int db, byte[] key, int keyOff, int keyLen, byte[] payload, int off, int len,
      long expireAtMillis, boolean replace, long idleSeconds, int lfuFrequency);

  /**
   * Streams a slot of database 0 (replication snapshots, slot migration): appends to {@code out}
   * one chunk in {@link EntryFormat} holding entries (key, type, value, absolute expiry) from
   * {@code cursor} on, stopping once the chunk passes {@code maxBytes} (whole buckets, so a chunk
   * may exceed it by one bucket's entries; it holds at least one bucket). Returns the next cursor,
   * 0 when the slot is done. Same guarantees as SCAN while the slot keeps changing between calls:
   * every entry present for the whole iteration is sent at least once (a later copy of a key is
   * the newer); entries already expired are left out. Pass a fresh (or reset) stream per chunk:
   * the CRC is computed over a copy of the stream's contents.
   */
  long dumpSlot(int slot, long cursor, int maxBytes, java.io.ByteArrayOutputStream out);

  /**
   * Restores every entry of a {@link #dumpSlot} chunk into database 0, verified as a whole before
   * anything changes. With {@code replace} an existing key is overwritten; without, it is kept.
   * Entries already expired are skipped. Returns the number of entries written.
   *
   * @throws EntryFormatException when the chunk is corrupted
   */
  int restoreSlotChunk(byte[] chunk, int off, int len, boolean replace);

  /**
   * Deletes up to {@code maxKeys} keys of a slot of database 0 and returns how many; call until it
   * returns 0 to drop the whole slot in bounded steps. Listeners hear DELETE for each key.
   */
  int dropSlot(int slot, int maxKeys);

  // ---------------------------------------------------------------- memory, eviction, expiry

  /** Bytes the engine holds for entries and its index, as it will be counted against maxmemory. */
  long usedMemory();

  /**
   * Evicts by the current policy until {@link #usedMemory()} is at most maxmemory. True when
   * memory is now within bounds (always true when maxmemory is 0); false when nothing more can be
   * evicted (noeviction, or no volatile key left for a volatile-* policy).
   */
  boolean evictIfNeeded();

  /**
   * Removes up to {@code maxKeys} expired entries, soonest-expired first, and returns how many it
   * removed. Work is bounded by {@code maxKeys}; the server calls it on a timer, more often when
   * it keeps returning {@code maxKeys}.
   */
  int activeExpireCycle(int maxKeys);

  /**
   * Reads the clock once for the access times that reads stamp on entries (whole seconds, for
   * OBJECT IDLETIME and the order a policy switched to at run time starts from); from the first
   * call on, every access uses that cached second instead of reading the clock, as Redis's LRU
   * clock is refreshed by its cron at {@code hz}. The server calls it on every cron tick, so a
   * stamp is at most one tick old; until the first call each access reads the clock. A lookup
   * hit of a key without TTL then reads no clock (on this project's virtual machines a clock read
   * was 4% of the event loop's CPU on pipelined GETs).
   */
  default void refreshAccessClock() {}

  KeyspaceStats stats();

  void resetStats();

  // ---------------------------------------------------------------- introspection (OBJECT, MEMORY)

  /** OBJECT ENCODING: "embstr", "raw", "int", "listpack" or "hashtable", as Redis reports. */
  String encoding(long ref);

  /** OBJECT FREQ: the LFU counter after decay. Meaningful under an LFU policy only. */
  int lfuFrequency(long ref);

  /** OBJECT IDLETIME in milliseconds since last access. Meaningful under non-LFU policies. */
  long idleMillis(long ref);

  /** MEMORY USAGE: bytes this entry costs, including its share of the index. */
  long memoryUsage(long ref);

  /** Frees all memory. The keyspace is unusable afterwards. */
  @Override
  void close();
}
