package io.corvid.storage;

import io.corvid.common.Clock;
import io.corvid.common.SlotHash;
import io.corvid.storage.policy.LfuPolicy;
import io.corvid.storage.policy.LruPolicy;
import io.corvid.storage.policy.RandomPolicy;
import io.corvid.storage.policy.ReplacementPolicy;
import io.corvid.storage.policy.WTinyLfuPolicy;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The production {@link Keyspace}: every entry packed in one native chunk, indexed by per-slot
 * chained hash tables of {@code int} node ids, with eviction policies and an expiry heap over the
 * same node ids.
 *
 * <h2>An entry</h2>
 * One {@code malloc} chunk per key holds an 18-byte header, the key and the value:
 * <pre>
 *   offset  size  field
 *   0       4     next      node id of the next entry in the same hash bucket (0 = end)
 *   4       4     keyLen
 *   8       4     valueLen  bytes of the string, or of the listpack; 0 for a hashtable hash
 *   12      4     access    last access, seconds since the keyspace started (OBJECT IDLETIME)
 *   16      1     db        database number (0..255)
 *   17      1     encoding  RAW / INT string, LISTPACK / HASHTABLE hash
 *   18      k     key bytes
 *   18+k    v     value bytes (a string, or a listpack; nothing for a hashtable hash)
 * </pre>
 * For a 16-byte key and a 100-byte value that is 134 bytes, which glibc serves from a 144-byte
 * chunk (136 usable + 8 header). Expiry times are not in the header: only volatile keys pay for
 * them, in the {@link ExpiryQueue} (16 bytes each).
 *
 * <h2>Node ids and references</h2>
 * A node id ({@code int >= 1}) names an entry for its whole life even when its chunk moves (a
 * bigger value, a hash edit): {@code address[node]} maps it to its chunk. The id is also the entry
 * reference the server holds ({@code ref == node}, so {@link #NONE} = 0 is free), and the id the
 * policies and the expiry heap index their arrays by. The address table is paged (4096 longs per
 * page) so growing it never copies and never needs one huge array. Freed ids are reused LIFO,
 * chained through their own address slots ({@code -next}), so the free list costs nothing. After
 * mass deletion the ids are compacted in bounded steps so the per-id arrays shrink too (see
 * {@link #compactNodesIfSparse}).
 *
 * <h2>Index</h2>
 * {@code tables[db * 16384 + slot]} is a chained hash table of node ids for one slot of one
 * database, created on the first key. Buckets are an {@code int[]} of a power-of-two length; the
 * chain runs through the entries' {@code next} fields, so the index costs one {@code int} per
 * bucket and nothing per entry. A table doubles when it holds more keys than buckets and halves
 * below a quarter; since a slot holds 1/16384 of the keys, a resize usually touches a few dozen
 * entries and is done at once. A table of more than 1024 buckets (a hot hash-tagged slot) resizes
 * incrementally as Redis's dict: both bucket arrays live side by side, each insert or delete in
 * the table moves one bucket, and the active expire cycle moves more in the background.
 * SCAN's cursor is {@code (bucketCursor << 14) | slot}, with Redis's reverse-binary bucket cursor
 * inside a slot, which visits every bucket of the table as it was whatever resizes happen between
 * calls (Pieter Noordhuis's argument in Redis's dict.c).
 *
 * <h2>Bytes per entry (16-byte key, 100-byte value, 1M keys, measured by MemoryMeterTest)</h2>
 * chunk 144 + address 8 + buckets ~6 (load factor 0.5..1) = ~158 under noeviction;
 * allkeys-lru adds 8 (prev/next), allkeys-lfu 12, allkeys-wtinylfu 17 plus its sketch (~8),
 * allkeys-random 8; a TTL adds 16. Redis 7 pays about 205.
 *
 * <h2>Memory meter</h2>
 * {@link #usedMemory()} = sum over chunks of {@code malloc_usable_size + 8} + estimated heap bytes
 * of hashtable-encoded hashes + the capacity of every on-heap array (address pages, free list,
 * bucket arrays, the table directory, policy arrays, the expiry heap). All of it is what the
 * process really holds, so RSS follows it.
 *
 * <h2>Invariants (checked by {@link #checkInvariants()})</h2>
 * <ul>
 *   <li>every live node is in exactly one chain: that of its (db, slot, hash); chain lengths sum to
 *       {@code size(db)}; table sizes equal their chain lengths
 *   <li>{@code entryBytes} equals the sum of chunk sizes plus hashtable estimates
 *   <li>the policy tracks exactly the nodes in its scope (all, or the volatile ones)
 *   <li>{@code volatileSize(db)} equals the number of db's nodes in the expiry heap
 * </ul>
 *
 * <p>Not thread-safe: the server serialises calls (see {@link Keyspace}).
 */
final class OffHeapKeyspace implements Keyspace {
  static final int NEXT_OFFSET = 0;
  static final int KEY_LENGTH_OFFSET = 4;
  static final int VALUE_LENGTH_OFFSET = 8;
  static final int ACCESS_OFFSET = 12;
  static final int DB_OFFSET = 16;
  static final int ENCODING_OFFSET = 17;
  static final int HEADER_BYTES = 18;

  static final byte ENC_RAW = 0;
  static final byte ENC_INT = 1;
  static final byte ENC_LISTPACK = 2;
  static final byte ENC_HASHTABLE = 3;

  /** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT: strings up to this length report "embstr". */
  static final int EMBSTR_SIZE_LIMIT = 44;
  static final int MAX_DATABASES = 256;
  private static final int SLOTS = SlotHash.SLOT_COUNT;
  private static final int SLOT_BITS = 14;
  private static final int PAGE_SHIFT = 12;
  private static final int PAGE_SIZE = 1 << PAGE_SHIFT;
  private static final int MIN_BUCKETS = 4;
  /** Node tables smaller than this (ids) are never compacted: 512 KiB of addresses. */
  static final int MIN_COMPACT_NODE_CAPACITY = 16 * PAGE_SIZE;
  /** A compaction step looks at most this many ids per node it may rename. */
  static final int COMPACT_IDS_PER_NODE = 64;
  /** Rewriting a value keeps its chunk while the chunk is at most this much larger than needed. */
  private static final int MAX_SLACK_BYTES = 64;
  /** Heap bytes charged per field of a hashtable-encoded hash, beyond its field and value bytes. */
  private static final int HASHTABLE_FIELD_OVERHEAD_BYTES = 96;
  private static final int HASHTABLE_BASE_BYTES = 128;
  private static final int SLOT_TABLE_OBJECT_BYTES = 24 + 16;
  private static final int RANDOM_KEY_ATTEMPTS = 100;
  /**
   * Tables up to this many buckets (before and after) resize in one go: 1024 entries rehash in
   * tens of microseconds. Bigger ones (a hot hash-tagged slot) resize incrementally.
   */
  static final int DEFAULT_INCREMENTAL_REHASH_MIN_BUCKETS = 1024;
  /** Buckets an incremental resize moves per insert or delete in its table (Redis moves 1). */
  private static final int REHASH_BUCKETS_PER_WRITE = 1;
  /** A rehash step looks at most this many empty buckets per bucket it may move (as Redis's dict). */
  private static final int REHASH_EMPTY_VISITS_PER_BUCKET = 10;
  /** SCAN gives up after visiting this many empty buckets per requested key. */
  private static final int SCAN_EMPTY_BUCKETS_PER_COUNT = 10;

  /**
   * A per-slot table: buckets of node ids, chained through the entries' next field. While it
   * resizes incrementally, {@code rehashTo} is the new bucket array and buckets of
   * {@code buckets} below {@code rehashIndex} have been moved (are empty); new keys go to
   * {@code rehashTo}. Not resizing: {@code rehashTo == null}.
   */
  private static final class SlotTable {
    int[] buckets = new int[MIN_BUCKETS];
    int[] rehashTo;
    int rehashIndex;
    int size;
  }

  /** A hashtable-encoded hash (on the heap); the entry's chunk holds only header and key. */
  private static final class BigHash {
    FieldTable map = new FieldTable();
    long bytes = HASHTABLE_BASE_BYTES;
  }

  private enum Scope { NONE, ALL, VOLATILE }

  private final Clock clock;
  private final int databases;
  private final long startMillis;
  private final int hashMaxListpackEntries;
  private final int hashMaxListpackValue;
  private final SplittableRandom random = new SplittableRandom(0x4B3EL);

  private long maxMemory;
  private EvictionPolicy evictionPolicy;
  private ReplacementPolicy policy;
  private Scope scope;
  private int lfuLogFactor;
  private int lfuDecayMinutes;
  private KeyspaceListener listener;

  private SlotTable[] tables;
  private final long[] dbSize;
  private final long[] dbVolatile;
  private long[][] addressPages = new long[16][];
  private int nodeCapacity;
  private int nextNode = 1;
  /**
   * Head of the free node ids, 0 when none. A free id's address slot holds {@code -(next free)}
   * (addresses are positive), so the free list costs no memory of its own.
   */
  private int freeHead;
  private int freeCount;
  /** Node-id compaction in progress (see {@link #compactNodesIfSparse}): ids >= this are being vacated; 0 when none. */
  private int compactTarget;
  /** The next id a compaction step looks at, walking down to compactTarget. */
  private int compactCursor;
  /** Ids at or above compactTarget that are neither live nor free. */
  private int deadCount;
  private final ExpiryQueue expiry = new ExpiryQueue();
  /** Tables resizing incrementally, for the active expire cycle's background steps. */
  private final java.util.ArrayDeque<SlotTable> rehashing = new java.util.ArrayDeque<>();
  private int incrementalRehashMinBuckets = DEFAULT_INCREMENTAL_REHASH_MIN_BUCKETS;
  private final Map<Integer, BigHash> bigHashes = new HashMap<>();

  private long entryBytes;
  private long tableBytes;
  private boolean closed;

  private long hits;
  private long misses;
  private long expiredKeys;
  private long evictedKeys;

  private byte[] scratch = new byte[256];
  private byte[] valueScratch = new byte[256];

  OffHeapKeyspace(StorageConfig config, Clock clock) {
    if (config.databases() < 1 || config.databases() > MAX_DATABASES) {
      throw new IllegalArgumentException("databases must be in 1.." + MAX_DATABASES + ": " + config.databases());
    }
    this.clock = clock;
    this.databases = config.databases();
    this.startMillis = clock.currentTimeMillis();
    this.hashMaxListpackEntries = config.hashMaxListpackEntries();
    this.hashMaxListpackValue = config.hashMaxListpackValue();
    this.maxMemory = config.maxMemoryBytes();
    this.lfuLogFactor = config.lfuLogFactor();
    this.lfuDecayMinutes = config.lfuDecayTimeMinutes();
    this.tables = new SlotTable[databases * SLOTS];
    this.dbSize = new long[databases];
    this.dbVolatile = new long[databases];
    installPolicy(config.policy());
  }

  // ---------------------------------------------------------------- configuration

  @Override
  public int databases() {
    return databases;
  }

  @Override
  public long maxMemory() {
    return maxMemory;
  }

  @Override
  public void setMaxMemory(long bytes) {
    maxMemory = Math.max(0, bytes);
    if (policy != null) {
      policy.setMaximum(policyMaximum());
    }
  }

  @Override
  public EvictionPolicy policy() {
    return evictionPolicy;
  }

  @Override
  public void setPolicy(EvictionPolicy newPolicy) {
    if (newPolicy != evictionPolicy) {
      installPolicy(newPolicy);
    }
  }

  @Override
  public void setLfuLogFactor(int factor) {
    lfuLogFactor = factor;
    if (policy instanceof LfuPolicy lfu) {
      lfu.setLogFactor(factor);
    }
  }

  @Override
  public void setLfuDecayTimeMinutes(int minutes) {
    lfuDecayMinutes = minutes;
    if (policy instanceof LfuPolicy lfu) {
      lfu.setDecayMinutes(minutes);
    }
  }

  @Override
  public void setListener(KeyspaceListener l) {
    listener = (l == KeyspaceListener.NONE) ? null : l;
  }

  private long policyMaximum() {
    return maxMemory == 0 ? Long.MAX_VALUE / 4 : maxMemory;
  }

  /** Builds the policy for {@code p} and feeds it every node in scope, least recently used first. */
  private void installPolicy(EvictionPolicy p) {
    evictionPolicy = p;
    scope = switch (p) {
      case NOEVICTION, VOLATILE_TTL -> Scope.NONE;
      case VOLATILE_LRU, VOLATILE_LFU, VOLATILE_RANDOM -> Scope.VOLATILE;
      default -> Scope.ALL;
    };
    policy = switch (p) {
      case NOEVICTION, VOLATILE_TTL -> null;
      case ALLKEYS_LRU, VOLATILE_LRU -> new LruPolicy();
      case ALLKEYS_LFU, VOLATILE_LFU -> new LfuPolicy(clock, lfuLogFactor, lfuDecayMinutes, 0x1F0L);
      case ALLKEYS_RANDOM, VOLATILE_RANDOM -> new RandomPolicy();
      case ALLKEYS_WTINYLFU -> new WTinyLfuPolicy(policyMaximum(), true, 0xCAFEL);
    };
    if (policy == null) {
      return;
    }
    policy.ensureCapacity(nodeCapacity);
    int count = 0;
    long[] order = new long[Math.max(0, nextNode - 1)];
    for (int node = 1; node < nextNode; node++) {
      long a = address(node);
      if (a > 0 && inScope(node)) {
        order[count++] = ((long) NativeMemory.getInt(a + ACCESS_OFFSET) << 32) | node;
      }
    }
    Arrays.sort(order, 0, count);
    for (int i = 0; i < count; i++) {
      int node = (int) order[i];
      long a = address(node);
      policy.onInsert(node, KeyHash.hashNative(a + HEADER_BYTES, keyLength(a)), weightOf(node, a));
    }
  }

  private boolean inScope(int node) {
    return scope == Scope.ALL || (scope == Scope.VOLATILE && expiry.contains(node));
  }

  // ---------------------------------------------------------------- node table

  private long address(int node) {
    return addressPages[node >>> PAGE_SHIFT][node & (PAGE_SIZE - 1)];
  }

  private void setAddress(int node, long a) {
    addressPages[node >>> PAGE_SHIFT][node & (PAGE_SIZE - 1)] = a;
  }

  private int allocateNode() {
    if (freeHead == 0 && compactTarget != 0) {
      abandonCompaction();
    }
    if (freeHead != 0) {
      int node = freeHead;
      freeHead = (int) -address(node);
      freeCount--;
      return node;
    }
    int node = nextNode++;
    if (node >= nodeCapacity) {
      int page = node >>> PAGE_SHIFT;
      if (page == addressPages.length) {
        addressPages = Arrays.copyOf(addressPages, page * 2);
      }
      addressPages[page] = new long[PAGE_SIZE];
      nodeCapacity += PAGE_SIZE;
      if (policy != null) {
        policy.ensureCapacity(nodeCapacity);
      }
    }
    return node;
  }

  private void freeNode(int node) {
    if (node >= compactTarget && compactTarget != 0) {
      setAddress(node, 0);
      deadCount++;
      return;
    }
    setAddress(node, -freeHead);
    freeHead = node;
    freeCount++;
  }

  // ---------------------------------------------------------------- entry fields

  private static int next(long a) {
    return NativeMemory.getInt(a + NEXT_OFFSET);
  }

  private static int keyLength(long a) {
    return NativeMemory.getInt(a + KEY_LENGTH_OFFSET);
  }

  private static int valueLength(long a) {
    return NativeMemory.getInt(a + VALUE_LENGTH_OFFSET);
  }

  private static int dbOf(long a) {
    return NativeMemory.getByte(a + DB_OFFSET) & 0xFF;
  }

  private static byte encodingOf(long a) {
    return NativeMemory.getByte(a + ENCODING_OFFSET);
  }

  private static long valueAddress(long a) {
    return a + HEADER_BYTES + keyLength(a);
  }

  /** Access-time second for stamps, or {@link #ACCESS_CLOCK_UNCACHED}: see {@link #refreshAccessClock}. */
  private int cachedNowSeconds = ACCESS_CLOCK_UNCACHED;
  private static final int ACCESS_CLOCK_UNCACHED = Integer.MIN_VALUE;

  @Override
  public void refreshAccessClock() {
    cachedNowSeconds = (int) ((clock.currentTimeMillis() - startMillis) / 1000);
  }

  /** Seconds since this keyspace started, for access stamps (cached once the server refreshes it). */
  private int nowSeconds() {
    int cached = cachedNowSeconds;
    return cached != ACCESS_CLOCK_UNCACHED ? cached : (int) ((clock.currentTimeMillis() - startMillis) / 1000);
  }

  private long weightOf(int node, long a) {
    long w = NativeMemory.chunkBytes(a);
    if (encodingOf(a) == ENC_HASHTABLE) {
      BigHash big = bigHashes.get(node);
      if (big != null) {
        w += big.bytes;
      }
    }
    return w;
  }

  /** Copies the key of an entry into the scratch array (grown as needed) and returns its length. */
  private int keyToScratch(long a) {
    int len = keyLength(a);
    if (scratch.length < len) {
      scratch = new byte[Math.max(len, scratch.length * 2)];
    }
    NativeMemory.copyToArray(a + HEADER_BYTES, scratch, 0, len);
    return len;
  }

  // ---------------------------------------------------------------- lookup

  private SlotTable table(int db, int slot) {
    return tables[db * SLOTS + slot];
  }

  private SlotTable tableForWrite(int db, int slot) {
    int i = db * SLOTS + slot;
    SlotTable t = tables[i];
    if (t == null) {
      t = new SlotTable();
      tables[i] = t;
      tableBytes += SLOT_TABLE_OBJECT_BYTES + 4L * MIN_BUCKETS;
    }
    return t;
  }

  /** Finds a node by key in (db, slot) with the given hash; 0 when absent. Does not expire. */
  private int findNode(int db, int slot, long hash, byte[] key, int off, int len) {
    SlotTable t = table(db, slot);
    if (t == null) {
      return 0;
    }
    int node = findInChain(t.buckets[(int) hash & (t.buckets.length - 1)], key, off, len);
    if (node == 0 && t.rehashTo != null) {
      node = findInChain(t.rehashTo[(int) hash & (t.rehashTo.length - 1)], key, off, len);
    }
    return node;
  }

  private int findInChain(int node, byte[] key, int off, int len) {
    while (node != 0) {
      long a = address(node);
      if (keyLength(a) == len && NativeMemory.equals(a + HEADER_BYTES, key, off, len)) {
        return node;
      }
      node = next(a);
    }
    return 0;
  }

  private boolean isExpired(int node, long nowMillis) {
    long t = expiry.expireAt(node);
    return t != NO_EXPIRY && t <= nowMillis;
  }

  /** Finds a live node, removing it (as expired) when its time has passed. */
  private int findLive(int db, int slot, long hash, byte[] key, int off, int len) {
    int node = findNode(db, slot, hash, key, off, len);
    if (node != 0 && expiry.size() > 0 && isExpired(node, clock.currentTimeMillis())) {
      removeNode(node, KeyspaceListener.Cause.EXPIRE);
      expiredKeys++;
      return 0;
    }
    return node;
  }

  @Override
  public long lookup(int db, byte[] key, int off, int len, int flags) {
    long hash = KeyHash.hash(key, off, len);
    int node = findLive(db, SlotHash.slot(key, off, len), hash, key, off, len);
    if (node == 0) {
      if ((flags & LOOKUP_NOSTATS) == 0) {
        misses++;
      }
      return NONE;
    }
    if ((flags & LOOKUP_NOSTATS) == 0) {
      hits++;
    }
    if ((flags & LOOKUP_NOTOUCH) == 0) {
      touch(node, hash);
    }
    return node;
  }

  private void touch(int node, long hash) {
    NativeMemory.putInt(address(node) + ACCESS_OFFSET, nowSeconds());
    if (policy != null && inScope(node)) {
      policy.onAccess(node, hash);
    }
  }

  @Override
  public ValueType type(long ref) {
    return encodingOf(address((int) ref)) >= ENC_LISTPACK ? ValueType.HASH : ValueType.STRING;
  }

  @Override
  public long expireAt(long ref) {
    return expiry.expireAt((int) ref);
  }

  @Override
  public int stringLength(long ref) {
    return valueLength(address((int) ref));
  }

  @Override
  public void copyString(long ref, int srcOff, byte[] dst, int dstOff, int len) {
    long a = address((int) ref);
    NativeMemory.copyToArray(valueAddress(a) + srcOff, dst, dstOff, len);
  }

  @Override
  public long stringAddress(long ref) {
    return valueAddress(address((int) ref));
  }

  @Override
  public byte[] keyBytes(long ref) {
    long a = address((int) ref);
    byte[] out = new byte[keyLength(a)];
    NativeMemory.copyToArray(a + HEADER_BYTES, out, 0, out.length);
    return out;
  }

  // ---------------------------------------------------------------- hashes (reads)

  /** Copies a listpack value into valueScratch; returns its length. */
  private int listpackToScratch(long a) {
    int len = valueLength(a);
    if (valueScratch.length < len) {
      valueScratch = new byte[Math.max(len, valueScratch.length * 2)];
    }
    NativeMemory.copyToArray(valueAddress(a), valueScratch, 0, len);
    return len;
  }

  @Override
  public int hashLength(long ref) {
    int node = (int) ref;
    long a = address(node);
    if (encodingOf(a) == ENC_HASHTABLE) {
      return bigHashes.get(node).map.size();
    }
    int len = listpackToScratch(a);
    return Listpack.count(valueScratch, len);
  }

  @Override
  public byte[] hashGet(long ref, byte[] field, int off, int len) {
    int node = (int) ref;
    long a = address(node);
    if (encodingOf(a) == ENC_HASHTABLE) {
      byte[] v = bigHashes.get(node).map.get(field, off, len);
      return v == null ? null : v.clone();
    }
    int lpLen = listpackToScratch(a);
    int at = Listpack.find(valueScratch, lpLen, field, off, len);
    return at < 0 ? null : Listpack.valueAt(valueScratch, at);
  }

  @Override
  public void hashForEach(long ref, HashVisitor visitor) {
    int node = (int) ref;
    long a = address(node);
    if (encodingOf(a) == ENC_HASHTABLE) {
      bigHashes.get(node).map.forEach(visitor);
      return;
    }
    int len = valueLength(a);
    byte[] copy = new byte[len]; // the visitor may outlive a scratch buffer's next use
    NativeMemory.copyToArray(valueAddress(a), copy, 0, len);
    Listpack.forEach(copy, len, visitor);
  }

  @Override
  public long hashScan(long ref, long cursor, int count, HashVisitor visitor) {
    int node = (int) ref;
    long a = address(node);
    if (encodingOf(a) == ENC_HASHTABLE) {
      return bigHashes.get(node).map.scan(cursor, Math.max(1, count), visitor);
    }
    hashForEach(ref, visitor);
    return 0;
  }

  // ---------------------------------------------------------------- writes

  /**
   * Allocates a chunk for a new entry (header and key written, value not) and links it into its
   * table; the node's address is set. Does not touch policy, expiry or sizes.
   */
  private long allocateEntry(int node, int db, byte[] key, int keyOff, int keyLen, int valueLen, byte encoding) {
    long a = NativeMemory.malloc((long) HEADER_BYTES + keyLen + valueLen);
    NativeMemory.putInt(a + KEY_LENGTH_OFFSET, keyLen);
    NativeMemory.putInt(a + VALUE_LENGTH_OFFSET, valueLen);
    NativeMemory.putInt(a + ACCESS_OFFSET, nowSeconds());
    NativeMemory.putByte(a + DB_OFFSET, (byte) db);
    NativeMemory.putByte(a + ENCODING_OFFSET, encoding);
    NativeMemory.copyFromArray(key, keyOff, a + HEADER_BYTES, keyLen);
    entryBytes += NativeMemory.chunkBytes(a);
    setAddress(node, a);
    return a;
  }

  /** Creates a new node for a key known to be absent; links it and counts it. */
  private int insertNode(int db, int slot, long hash, byte[] key, int keyOff, int keyLen, int valueLen, byte encoding) {
    int node = allocateNode();
    long a = allocateEntry(node, db, key, keyOff, keyLen, valueLen, encoding);
    SlotTable t = tableForWrite(db, slot);
    if (t.rehashTo != null) {
      rehashStep(t, REHASH_BUCKETS_PER_WRITE);
    }
    int[] into = t.rehashTo != null ? t.rehashTo : t.buckets;
    int bucket = (int) hash & (into.length - 1);
    NativeMemory.putInt(a + NEXT_OFFSET, into[bucket]);
    into[bucket] = node;
    t.size++;
    dbSize[db]++;
    if (t.rehashTo == null && t.size > t.buckets.length) {
      startResize(t, t.buckets.length * 2);
    }
    return node;
  }

  /** Registers a freshly filled node with the policy (after its value is written). */
  private void admit(int node, long hash) {
    if (policy != null && scope == Scope.ALL) {
      policy.onInsert(node, hash, weightOf(node, address(node)));
    }
  }

  /**
   * Resizes a table: at once when small, else incrementally (Redis's dict rehash): the new array
   * is allocated now, and buckets move a few at a time on each write to the table
   * ({@link #REHASH_BUCKETS_PER_WRITE}) and in the active expire cycle, so no single call pays
   * for the whole slot. Lookups search both arrays meanwhile; SCAN visits both (see {@link #scan}).
   */
  private void startResize(SlotTable t, int newLength) {
    if (Math.max(newLength, t.buckets.length) <= incrementalRehashMinBuckets) {
      resize(t, newLength);
      return;
    }
    t.rehashTo = new int[newLength];
    t.rehashIndex = 0;
    tableBytes += 4L * newLength;
    rehashing.add(t);
    rehashStep(t, REHASH_BUCKETS_PER_WRITE);
  }

  /**
   * Moves up to {@code maxBuckets} non-empty buckets (looking at no more than
   * {@link #REHASH_EMPTY_VISITS_PER_BUCKET} times as many empty ones) to the new array; finishes
   * the resize when the old array is empty. Returns the number of buckets looked at.
   */
  private int rehashStep(SlotTable t, int maxBuckets) {
    int[] from = t.buckets;
    int[] to = t.rehashTo;
    int mask = to.length - 1;
    int looked = 0;
    int emptyVisits = maxBuckets * REHASH_EMPTY_VISITS_PER_BUCKET;
    int moved = 0;
    while (moved < maxBuckets && t.rehashIndex < from.length) {
      int node = from[t.rehashIndex];
      looked++;
      if (node == 0) {
        t.rehashIndex++;
        if (--emptyVisits == 0) {
          break;
        }
        continue;
      }
      while (node != 0) {
        long a = address(node);
        int following = next(a);
        int b = (int) KeyHash.hashNative(a + HEADER_BYTES, keyLength(a)) & mask;
        NativeMemory.putInt(a + NEXT_OFFSET, to[b]);
        to[b] = node;
        node = following;
      }
      from[t.rehashIndex++] = 0;
      moved++;
    }
    if (t.rehashIndex >= from.length) {
      tableBytes -= 4L * from.length;
      t.buckets = to;
      t.rehashTo = null;
      t.rehashIndex = 0;
      // The size may have moved a lot meanwhile (a mass delete while growing): go on resizing.
      if (t.size > t.buckets.length) {
        startResize(t, t.buckets.length * 2);
      } else if (t.buckets.length > MIN_BUCKETS && t.size < t.buckets.length / 4) {
        startResize(t, Math.max(MIN_BUCKETS, Integer.highestOneBit(Math.max(1, t.size)) * 2));
      }
    }
    return looked;
  }

  /** Background rehash work for the active expire cycle: looks at about {@code maxBuckets} buckets. */
  private void rehashInBackground(int maxBuckets) {
    int budget = maxBuckets;
    while (budget > 0 && !rehashing.isEmpty()) {
      SlotTable t = rehashing.peekFirst();
      if (t.rehashTo == null) {
        rehashing.pollFirst();
        continue;
      }
      budget -= rehashStep(t, Math.max(1, budget / REHASH_EMPTY_VISITS_PER_BUCKET));
      if (t.rehashTo == null) {
        rehashing.pollFirst();
      }
    }
  }

  /** Tables below this many buckets (before and after) resize at once; tests lower it. */
  void setIncrementalRehashMinBuckets(int buckets) {
    incrementalRehashMinBuckets = buckets;
  }

  /** Number of slot tables in the middle of an incremental resize (tests). */
  int tablesRehashing() {
    int n = 0;
    for (SlotTable t : tables) {
      if (t != null && t.rehashTo != null) {
        n++;
      }
    }
    return n;
  }

  private void resize(SlotTable t, int newLength) {
    int[] old = t.buckets;
    int[] buckets = new int[newLength];
    int mask = newLength - 1;
    for (int head : old) {
      int node = head;
      while (node != 0) {
        long a = address(node);
        int following = next(a);
        int b = (int) KeyHash.hashNative(a + HEADER_BYTES, keyLength(a)) & mask;
        NativeMemory.putInt(a + NEXT_OFFSET, buckets[b]);
        buckets[b] = node;
        node = following;
      }
    }
    t.buckets = buckets;
    tableBytes += 4L * (newLength - old.length);
  }

  /**
   * Replaces the value region of a node with {@code len} bytes from {@code src} (a string or a
   * listpack), keeping the chunk when it fits without much slack, else moving to a new chunk.
   */
  private long rewriteValue(int node, byte[] src, int srcOff, int len, byte encoding) {
    long a = address(node);
    int keyLen = keyLength(a);
    long needed = (long) HEADER_BYTES + keyLen + len;
    long usable = NativeMemory.usableBytes(a);
    if (usable < needed || usable > needed + MAX_SLACK_BYTES) {
      long b = NativeMemory.malloc(needed);
      NativeMemory.copy(a, b, HEADER_BYTES + keyLen);
      entryBytes += NativeMemory.chunkBytes(b) - (usable + NativeMemory.CHUNK_OVERHEAD_BYTES);
      NativeMemory.free(a);
      setAddress(node, b);
      a = b;
    }
    NativeMemory.putInt(a + VALUE_LENGTH_OFFSET, len);
    NativeMemory.putByte(a + ENCODING_OFFSET, encoding);
    NativeMemory.copyFromArray(src, srcOff, a + HEADER_BYTES + keyLen, len);
    return a;
  }

  private void dropBigHash(int node) {
    BigHash big = bigHashes.remove(node);
    if (big != null) {
      entryBytes -= big.bytes;
    }
  }

  @Override
  public long setString(int db, byte[] key, int keyOff, int keyLen, byte[] value, int valueOff, int valueLen,
      long expireAtMillis, boolean keepTtl) {
    checkDb(db);
    long hash = KeyHash.hash(key, keyOff, keyLen);
    int slot = SlotHash.slot(key, keyOff, keyLen);
    int node = findLive(db, slot, hash, key, keyOff, keyLen);
    byte encoding = isCanonicalInteger(value, valueOff, valueLen) ? ENC_INT : ENC_RAW;
    if (node != 0) {
      long a = address(node);
      if (encodingOf(a) == ENC_HASHTABLE) {
        dropBigHash(node);
      }
      a = rewriteValue(node, value, valueOff, valueLen, encoding);
      NativeMemory.putInt(a + ACCESS_OFFSET, nowSeconds());
      if (!keepTtl) {
        setExpiry(node, db, hash, expireAtMillis);
      }
      if (policy != null && inScope(node)) {
        policy.onUpdate(node, hash, weightOf(node, a));
      }
    } else {
      node = insertNode(db, slot, hash, key, keyOff, keyLen, valueLen, encoding);
      NativeMemory.copyFromArray(value, valueOff, valueAddress(address(node)), valueLen);
      admit(node, hash);
      if (!keepTtl) {
        setExpiry(node, db, hash, expireAtMillis);
      }
    }
    notifyKey(db, key, keyOff, keyLen, KeyspaceListener.Cause.WRITE);
    return node;
  }

  @Override
  public int writeString(int db, byte[] key, int keyOff, int keyLen, int offset, byte[] src, int srcOff, int srcLen) {
    checkDb(db);
    long hash = KeyHash.hash(key, keyOff, keyLen);
    int node = findLive(db, SlotHash.slot(key, keyOff, keyLen), hash, key, keyOff, keyLen);
    if (node == 0) {
      throw new IllegalStateException("writeString on an absent key");
    }
    long a = address(node);
    int oldLen = valueLength(a);
    long newLenLong = Math.max(oldLen, (long) offset + srcLen);
    if (newLenLong > Integer.MAX_VALUE - HEADER_BYTES - keyLen) {
      throw new IllegalArgumentException("string too long: " + newLenLong);
    }
    int newLen = (int) newLenLong;
    long headerAndKey = HEADER_BYTES + (long) keyLen;
    long usable = NativeMemory.usableBytes(a);
    if (usable < headerAndKey + newLen) {
      long room = newLen < STRING_PREALLOC_LIMIT_BYTES ? 2L * newLen : (long) newLen + STRING_PREALLOC_LIMIT_BYTES;
      room = Math.min(room, Integer.MAX_VALUE - headerAndKey); // lengths are ints
      long b = NativeMemory.malloc(headerAndKey + room);
      NativeMemory.copy(a, b, headerAndKey + oldLen);
      entryBytes += NativeMemory.chunkBytes(b) - (usable + NativeMemory.CHUNK_OVERHEAD_BYTES);
      NativeMemory.free(a);
      setAddress(node, b);
      a = b;
    }
    long value = a + headerAndKey;
    for (long p = value + oldLen; p < value + offset; p++) {
      NativeMemory.putByte(p, (byte) 0);
    }
    NativeMemory.copyFromArray(src, srcOff, value + offset, srcLen);
    NativeMemory.putInt(a + VALUE_LENGTH_OFFSET, newLen);
    byte encoding = ENC_RAW;
    if (newLen <= 20) {
      byte[] digits = ensureValueScratch(newLen);
      NativeMemory.copyToArray(value, digits, 0, newLen);
      encoding = isCanonicalInteger(digits, 0, newLen) ? ENC_INT : ENC_RAW;
    }
    NativeMemory.putByte(a + ENCODING_OFFSET, encoding);
    NativeMemory.putInt(a + ACCESS_OFFSET, nowSeconds());
    if (policy != null && inScope(node)) {
      policy.onUpdate(node, hash, weightOf(node, a));
    }
    notifyKey(db, key, keyOff, keyLen, KeyspaceListener.Cause.WRITE);
    return newLen;
  }

  /** Sets or clears a node's expiry, keeping volatile counts and a volatile-only policy in step. */
  private void setExpiry(int node, int db, long hash, long expireAtMillis) {
    boolean was = expiry.contains(node);
    if (expireAtMillis == NO_EXPIRY) {
      if (was) {
        if (scope == Scope.VOLATILE) {
          policy.onRemove(node);
        }
        expiry.remove(node);
        dbVolatile[db]--;
      }
      return;
    }
    expiry.set(node, expireAtMillis);
    if (!was) {
      dbVolatile[db]++;
      if (scope == Scope.VOLATILE) {
        policy.ensureCapacity(nodeCapacity);
        policy.onInsert(node, hash, weightOf(node, address(node)));
      }
    }
  }

  @Override
  public boolean hashSet(int db, byte[] key, int keyOff, int keyLen, byte[] field, int fieldOff, int fieldLen,
      byte[] value, int valueOff, int valueLen) {
    checkDb(db);
    long hash = KeyHash.hash(key, keyOff, keyLen);
    int slot = SlotHash.slot(key, keyOff, keyLen);
    int node = findLive(db, slot, hash, key, keyOff, keyLen);
    boolean fits = fieldLen <= hashMaxListpackValue && valueLen <= hashMaxListpackValue && hashMaxListpackEntries > 0;
    boolean added;
    if (node == 0) {
      if (fits) {
        int size = Listpack.pairSize(fieldLen, valueLen);
        node = insertNode(db, slot, hash, key, keyOff, keyLen, size, ENC_LISTPACK);
        byte[] buf = ensureValueScratch(size);
        Listpack.writePair(buf, 0, field, fieldOff, fieldLen, value, valueOff, valueLen);
        NativeMemory.copyFromArray(buf, 0, valueAddress(address(node)), size);
      } else {
        node = insertNode(db, slot, hash, key, keyOff, keyLen, 0, ENC_HASHTABLE);
        BigHash big = new BigHash();
        bigHashes.put(node, big);
        entryBytes += big.bytes;
        putBig(big, field, fieldOff, fieldLen, value, valueOff, valueLen);
      }
      admit(node, hash);
      added = true;
    } else {
      long a = address(node);
      if (encodingOf(a) == ENC_LISTPACK) {
        int len = listpackToScratch(a);
        int at = Listpack.find(valueScratch, len, field, fieldOff, fieldLen);
        boolean convert = !fits || (at < 0 && Listpack.count(valueScratch, len) + 1 > hashMaxListpackEntries);
        if (convert) {
          convertToHashtable(node, len);
          a = address(node);
        } else {
          added = at < 0;
          int removeLen = at < 0 ? 0 : Listpack.pairSizeAt(valueScratch, at);
          int newLen = len - removeLen + Listpack.pairSize(fieldLen, valueLen);
          byte[] buf = new byte[newLen];
          int pos = 0;
          if (at >= 0) {
            System.arraycopy(valueScratch, 0, buf, 0, at);
            pos = Listpack.writePair(buf, at, field, fieldOff, fieldLen, value, valueOff, valueLen);
            System.arraycopy(valueScratch, at + removeLen, buf, pos, len - at - removeLen);
          } else {
            System.arraycopy(valueScratch, 0, buf, 0, len);
            Listpack.writePair(buf, len, field, fieldOff, fieldLen, value, valueOff, valueLen);
          }
          a = rewriteValue(node, buf, 0, newLen, ENC_LISTPACK);
          afterHashWrite(node, db, hash, a, key, keyOff, keyLen);
          return added;
        }
      }
      added = putBig(bigHashes.get(node), field, fieldOff, fieldLen, value, valueOff, valueLen);
      NativeMemory.putInt(a + ACCESS_OFFSET, nowSeconds());
      afterHashWrite(node, db, hash, a, key, keyOff, keyLen);
      return added;
    }
    notifyKey(db, key, keyOff, keyLen, KeyspaceListener.Cause.WRITE);
    return added;
  }

  private void afterHashWrite(int node, int db, long hash, long a, byte[] key, int keyOff, int keyLen) {
    NativeMemory.putInt(a + ACCESS_OFFSET, nowSeconds());
    if (policy != null && inScope(node)) {
      policy.onUpdate(node, hash, weightOf(node, a));
    }
    notifyKey(db, key, keyOff, keyLen, KeyspaceListener.Cause.WRITE);
  }

  private byte[] ensureValueScratch(int size) {
    if (valueScratch.length < size) {
      valueScratch = new byte[Math.max(size, valueScratch.length * 2)];
    }
    return valueScratch;
  }

  private boolean putBig(BigHash big, byte[] field, int fieldOff, int fieldLen, byte[] value, int valueOff, int valueLen) {
    byte[] v = Arrays.copyOfRange(value, valueOff, valueOff + valueLen);
    byte[] old = big.map.put(field, fieldOff, fieldLen, v);
    long delta = align8(valueLen) - (old == null ? 0 : align8(old.length));
    if (old == null) {
      delta += HASHTABLE_FIELD_OVERHEAD_BYTES + align8(fieldLen);
    }
    big.bytes += delta;
    entryBytes += delta;
    return old == null;
  }

  private static long align8(long n) {
    return (n + 7) & ~7L;
  }

  /** Moves a listpack (already in valueScratch, {@code len} bytes) to a heap hashtable. */
  private void convertToHashtable(int node, int len) {
    BigHash big = new BigHash();
    entryBytes += big.bytes;
    byte[] copy = Arrays.copyOf(valueScratch, len);
    Listpack.forEach(copy, len, (f, fo, fl, v, vo, vl) -> putBig(big, f, fo, fl, v, vo, vl));
    bigHashes.put(node, big);
    rewriteValue(node, copy, 0, 0, ENC_HASHTABLE);
  }

  @Override
  public boolean hashDelete(int db, byte[] key, int keyOff, int keyLen, byte[] field, int fieldOff, int fieldLen) {
    checkDb(db);
    long hash = KeyHash.hash(key, keyOff, keyLen);
    int slot = SlotHash.slot(key, keyOff, keyLen);
    int node = findLive(db, slot, hash, key, keyOff, keyLen);
    if (node == 0) {
      return false;
    }
    long a = address(node);
    byte enc = encodingOf(a);
    boolean empty;
    if (enc == ENC_LISTPACK) {
      int len = listpackToScratch(a);
      int at = Listpack.find(valueScratch, len, field, fieldOff, fieldLen);
      if (at < 0) {
        return false;
      }
      int removeLen = Listpack.pairSizeAt(valueScratch, at);
      int newLen = len - removeLen;
      empty = newLen == 0;
      if (!empty) {
        byte[] buf = new byte[newLen];
        System.arraycopy(valueScratch, 0, buf, 0, at);
        System.arraycopy(valueScratch, at + removeLen, buf, at, len - at - removeLen);
        a = rewriteValue(node, buf, 0, newLen, ENC_LISTPACK);
      }
    } else if (enc == ENC_HASHTABLE) {
      BigHash big = bigHashes.get(node);
      byte[] old = big.map.remove(field, fieldOff, fieldLen);
      if (old == null) {
        return false;
      }
      long delta = HASHTABLE_FIELD_OVERHEAD_BYTES + align8(fieldLen) + align8(old.length);
      big.bytes -= delta;
      entryBytes -= delta;
      empty = big.map.size() == 0;
    } else {
      return false;
    }
    if (empty) {
      removeNode(node, KeyspaceListener.Cause.DELETE);
    } else {
      afterHashWrite(node, db, hash, a, key, keyOff, keyLen);
    }
    return true;
  }

  @Override
  public boolean delete(int db, byte[] key, int off, int len) {
    checkDb(db);
    long hash = KeyHash.hash(key, off, len);
    int node = findLive(db, SlotHash.slot(key, off, len), hash, key, off, len);
    if (node == 0) {
      return false;
    }
    removeNode(node, KeyspaceListener.Cause.DELETE);
    return true;
  }

  @Override
  public boolean setExpire(int db, byte[] key, int off, int len, long expireAtMillis) {
    checkDb(db);
    long hash = KeyHash.hash(key, off, len);
    int node = findLive(db, SlotHash.slot(key, off, len), hash, key, off, len);
    if (node == 0) {
      return false;
    }
    setExpiry(node, db, hash, expireAtMillis);
    notifyKey(db, key, off, len, KeyspaceListener.Cause.WRITE);
    return true;
  }

  /**
   * Unlinks a node from its table, policy and expiry heap, frees its chunk and id, and tells the
   * listener (when {@code cause} is not null).
   */
  private void removeNode(int node, KeyspaceListener.Cause cause) {
    long a = address(node);
    int db = dbOf(a);
    int keyLen = keyToScratch(a);
    int slot = SlotHash.slot(scratch, 0, keyLen);
    long hash = KeyHash.hashNative(a + HEADER_BYTES, keyLen);
    SlotTable t = table(db, slot);
    if (t.rehashTo != null) {
      rehashStep(t, REHASH_BUCKETS_PER_WRITE);
    }
    replaceInChain(t, hash, node, next(a));
    t.size--;
    dbSize[db]--;
    if (policy != null && inScope(node)) {
      policy.onRemove(node);
    }
    if (expiry.remove(node)) {
      dbVolatile[db]--;
    }
    if (encodingOf(a) == ENC_HASHTABLE) {
      dropBigHash(node);
    }
    entryBytes -= NativeMemory.chunkBytes(a);
    NativeMemory.free(a);
    freeNode(node);
    if (t.size == 0) {
      dropTable(db, slot, t);
    } else if (t.rehashTo == null && t.buckets.length > MIN_BUCKETS && t.size < t.buckets.length / 4) {
      startResize(t, t.buckets.length / 2);
    }
    if (cause != null && listener != null) {
      listener.keyChanged(db, scratch, 0, keyLen, cause);
    }
  }

  /**
   * In the chain of {@code node} (in whichever bucket array holds it), makes whatever pointed at
   * it point at {@code replacement} instead: its successor to unlink it, a new id to rename it.
   */
  private void replaceInChain(SlotTable t, long hash, int node, int replacement) {
    int[] array = t.buckets;
    int bucket = (int) hash & (array.length - 1);
    if (t.rehashTo != null && !chainHolds(array[bucket], node)) {
      array = t.rehashTo;
      bucket = (int) hash & (array.length - 1);
    }
    int prev = 0;
    int n = array[bucket];
    while (n != node) {
      if (n == 0) {
        throw new IllegalStateException("node " + node + " is not in its bucket");
      }
      prev = n;
      n = next(address(n));
    }
    if (prev == 0) {
      array[bucket] = replacement;
    } else {
      NativeMemory.putInt(address(prev) + NEXT_OFFSET, replacement);
    }
  }

  private boolean chainHolds(int head, int node) {
    for (int n = head; n != 0; n = next(address(n))) {
      if (n == node) {
        return true;
      }
    }
    return false;
  }

  private void dropTable(int db, int slot, SlotTable t) {
    tables[db * SLOTS + slot] = null;
    tableBytes -= SLOT_TABLE_OBJECT_BYTES + 4L * t.buckets.length;
    if (t.rehashTo != null) {
      tableBytes -= 4L * t.rehashTo.length;
      t.rehashTo = null;
    }
  }

  private void notifyKey(int db, byte[] key, int off, int len, KeyspaceListener.Cause cause) {
    if (listener != null) {
      listener.keyChanged(db, key, off, len, cause);
    }
  }

  /**
   * Creates {@code dst} in {@code dstDb} (known absent) holding a copy of {@code srcNode}'s value and
   * the given expiry. Returns the new node.
   */
  private int insertCopy(int srcNode, int dstDb, byte[] dst, int dstOff, int dstLen, long expireAtMillis) {
    long src = address(srcNode);
    byte enc = encodingOf(src);
    int valueLen = valueLength(src);
    long hash = KeyHash.hash(dst, dstOff, dstLen);
    int slot = SlotHash.slot(dst, dstOff, dstLen);
    int node = insertNode(dstDb, slot, hash, dst, dstOff, dstLen, valueLen, enc);
    src = address(srcNode);
    NativeMemory.copy(valueAddress(src), valueAddress(address(node)), valueLen);
    if (enc == ENC_HASHTABLE) {
      BigHash from = bigHashes.get(srcNode);
      BigHash to = new BigHash();
      to.map = from.map.copy();
      to.bytes = from.bytes;
      entryBytes += to.bytes;
      bigHashes.put(node, to);
    }
    admit(node, hash);
    setExpiry(node, dstDb, hash, expireAtMillis);
    return node;
  }

  @Override
  public boolean rename(int db, byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
    checkDb(db);
    long srcHash = KeyHash.hash(src, srcOff, srcLen);
    int srcNode = findLive(db, SlotHash.slot(src, srcOff, srcLen), srcHash, src, srcOff, srcLen);
    if (srcNode == 0) {
      return false;
    }
    if (srcLen == dstLen && Arrays.equals(src, srcOff, srcOff + srcLen, dst, dstOff, dstOff + dstLen)) {
      return true;
    }
    long dstHash = KeyHash.hash(dst, dstOff, dstLen);
    int dstNode = findLive(db, SlotHash.slot(dst, dstOff, dstLen), dstHash, dst, dstOff, dstLen);
    if (dstNode != 0) {
      removeNode(dstNode, null);
    }
    insertCopy(srcNode, db, dst, dstOff, dstLen, expiry.expireAt(srcNode));
    removeNode(srcNode, KeyspaceListener.Cause.DELETE);
    notifyKey(db, dst, dstOff, dstLen, KeyspaceListener.Cause.WRITE);
    return true;
  }

  @Override
  public boolean copy(int srcDb, byte[] src, int srcOff, int srcLen, int dstDb, byte[] dst, int dstOff, int dstLen,
      boolean replace) {
    checkDb(srcDb);
    checkDb(dstDb);
    long srcHash = KeyHash.hash(src, srcOff, srcLen);
    int srcNode = findLive(srcDb, SlotHash.slot(src, srcOff, srcLen), srcHash, src, srcOff, srcLen);
    if (srcNode == 0) {
      return false;
    }
    if (srcDb == dstDb && srcLen == dstLen && Arrays.equals(src, srcOff, srcOff + srcLen, dst, dstOff, dstOff + dstLen)) {
      return false;
    }
    long dstHash = KeyHash.hash(dst, dstOff, dstLen);
    int dstNode = findLive(dstDb, SlotHash.slot(dst, dstOff, dstLen), dstHash, dst, dstOff, dstLen);
    if (dstNode != 0) {
      if (!replace) {
        return false;
      }
      removeNode(dstNode, null);
    }
    insertCopy(srcNode, dstDb, dst, dstOff, dstLen, expiry.expireAt(srcNode));
    notifyKey(dstDb, dst, dstOff, dstLen, KeyspaceListener.Cause.WRITE);
    return true;
  }

  @Override
  public boolean move(int srcDb, byte[] key, int off, int len, int dstDb) {
    checkDb(srcDb);
    checkDb(dstDb);
    if (srcDb == dstDb) {
      return false;
    }
    long hash = KeyHash.hash(key, off, len);
    int slot = SlotHash.slot(key, off, len);
    int srcNode = findLive(srcDb, slot, hash, key, off, len);
    if (srcNode == 0 || findLive(dstDb, slot, hash, key, off, len) != 0) {
      return false;
    }
    insertCopy(srcNode, dstDb, key, off, len, expiry.expireAt(srcNode));
    removeNode(srcNode, KeyspaceListener.Cause.DELETE);
    notifyKey(dstDb, key, off, len, KeyspaceListener.Cause.WRITE);
    return true;
  }

  @Override
  public void flush(int db) {
    checkDb(db);
    flushDatabase(db);
    if (totalSize() == 0) {
      releaseIndex();
    }
    NativeMemory.trim();
    if (listener != null) {
      listener.databaseFlushed(db);
    }
  }

  @Override
  public void flushAll() {
    for (int db = 0; db < databases; db++) {
      flushDatabase(db);
    }
    releaseIndex();
    NativeMemory.trim();
    if (listener != null) {
      listener.databaseFlushed(-1);
    }
  }

  private void flushDatabase(int db) {
    for (int slot = 0; slot < SLOTS; slot++) {
      SlotTable t = tables[db * SLOTS + slot];
      if (t == null) {
        continue;
      }
      freeChains(t.buckets);
      if (t.rehashTo != null) {
        freeChains(t.rehashTo);
      }
      dropTable(db, slot, t);
    }
    dbSize[db] = 0;
    dbVolatile[db] = 0;
  }

  private void freeChains(int[] buckets) {
    for (int head : buckets) {
      int node = head;
      while (node != 0) {
        long a = address(node);
        int following = next(a);
        if (policy != null && inScope(node)) {
          policy.onRemove(node);
        }
        expiry.remove(node);
        if (encodingOf(a) == ENC_HASHTABLE) {
          dropBigHash(node);
        }
        entryBytes -= NativeMemory.chunkBytes(a);
        NativeMemory.free(a);
        freeNode(node);
        node = following;
      }
    }
  }

  /** With no key left, drops the node table, free list, policy and expiry arrays to their minimum. */
  private void releaseIndex() {
    addressPages = new long[16][];
    nodeCapacity = 0;
    nextNode = 1;
    freeHead = 0;
    freeCount = 0;
    compactTarget = 0;
    deadCount = 0;
    rehashing.clear();
    expiry.release();
    installPolicy(evictionPolicy);
  }

  private long totalSize() {
    long n = 0;
    for (long s : dbSize) {
      n += s;
    }
    return n;
  }

  // ---------------------------------------------------------------- iteration

  @Override
  public long size(int db) {
    return dbSize[db];
  }

  @Override
  public long volatileSize(int db) {
    return dbVolatile[db];
  }

  /**
   * {@inheritDoc}
   *
   * <p>Within a slot the bucket cursor is Redis's reverse-binary one ({@code dictScan}). While a
   * table resizes incrementally, one step visits bucket {@code v} of the smaller array and every
   * bucket of the larger one that expands it, so a key is found wherever the rehash has put it.
   */
  @Override
  public long scan(int db, long cursor, int count, KeyVisitor visitor) {
    checkDb(db);
    int slot = (int) (cursor & (SLOTS - 1));
    int v = (int) (cursor >>> SLOT_BITS);
    int budget = Math.max(1, count);
    scanEmptyBudget = (long) budget * SCAN_EMPTY_BUCKETS_PER_COUNT;
    scanNow = clock.currentTimeMillis();
    scanVisited = 0;
    while (slot < SLOTS && scanVisited < budget && scanEmptyBudget > 0) {
      SlotTable t = tables[db * SLOTS + slot];
      if (t == null) {
        slot++;
        v = 0;
        scanEmptyBudget--;
        continue;
      }
      do {
        v = scanStep(t, v, visitor);
      } while (v != 0 && scanVisited < budget && scanEmptyBudget > 0);
      if (v == 0) {
        slot++;
      }
    }
    if (slot >= SLOTS) {
      return 0;
    }
    return ((long) v << SLOT_BITS) | slot;
  }

  private long scanEmptyBudget;
  private long scanNow;
  private int scanVisited;

  /** Visits the bucket(s) at cursor {@code v} of one table and returns the next cursor (0: done). */
  private int scanStep(SlotTable t, int v, KeyVisitor visitor) {
    if (t.rehashTo == null) {
      int mask = t.buckets.length - 1;
      scanChain(t.buckets[v & mask], visitor);
      return nextCursor(v, mask);
    }
    int[] small = t.buckets;
    int[] large = t.rehashTo;
    if (small.length > large.length) {
      small = t.rehashTo;
      large = t.buckets;
    }
    int m0 = small.length - 1;
    int m1 = large.length - 1;
    scanChain(small[v & m0], visitor);
    do {
      scanChain(large[v & m1], visitor);
      v = nextCursor(v, m1);
    } while ((v & (m0 ^ m1)) != 0);
    return v;
  }

  private static int nextCursor(int v, int mask) {
    v |= ~mask;
    v = Integer.reverse(v);
    v++;
    return Integer.reverse(v);
  }

  private void scanChain(int node, KeyVisitor visitor) {
    if (node == 0) {
      scanEmptyBudget--;
    }
    while (node != 0) {
      long a = address(node);
      if (!isExpired(node, scanNow)) {
        if (dumpSink != null) {
          writeEntry(node, dumpSink, true);
        } else {
          int len = keyToScratch(a);
          visitor.key(scratch, 0, len, encodingOf(a) >= ENC_LISTPACK ? ValueType.HASH : ValueType.STRING);
        }
        scanVisited++;
      }
      node = next(a);
    }
  }

  // ---------------------------------------------------------------- serialised entries

  /** Where {@link #scanChain} writes entries during {@link #dumpSlot}; null otherwise. */
  private java.io.ByteArrayOutputStream dumpSink;

  /** Writes type, (key and expiry,) and value of a node in {@link EntryFormat}. */
  private void writeEntry(int node, java.io.ByteArrayOutputStream out, boolean withKey) {
    long a = address(node);
    byte enc = encodingOf(a);
    out.write(enc >= ENC_LISTPACK ? EntryFormat.TYPE_HASH : EntryFormat.TYPE_STRING);
    if (withKey) {
      int keyLen = keyToScratch(a);
      EntryFormat.writeBytes(out, scratch, 0, keyLen);
      EntryFormat.writeLong(out, expiry.expireAt(node));
    }
    if (enc < ENC_LISTPACK) {
      int len = valueLength(a);
      byte[] buf = ensureValueScratch(len);
      NativeMemory.copyToArray(valueAddress(a), buf, 0, len);
      EntryFormat.writeBytes(out, buf, 0, len);
      return;
    }
    EntryFormat.writeVarint(out, hashLength(node));
    hashForEach(node, (f, fo, fl, v, vo, vl) -> {
      EntryFormat.writeBytes(out, f, fo, fl);
      EntryFormat.writeBytes(out, v, vo, vl);
    });
  }

  /** A value parsed (and bounds-checked) from a payload, as offsets into it. */
  private static final class ParsedValue {
    byte type;
    int off;
    int len;
    /** Hash: fieldOff, fieldLen, valueOff, valueLen for each field. */
    int[] fields;
    int count;
  }

  private static ParsedValue parseBody(EntryFormat.Reader r, byte type) {
    ParsedValue v = new ParsedValue();
    v.type = type;
    if (type == EntryFormat.TYPE_STRING) {
      v.off = r.readSlice();
      v.len = r.lastLen;
    } else if (type == EntryFormat.TYPE_HASH) {
      int count = r.readVarint();
      if (count == 0 || count > (r.end - r.pos) / 2) {
        throw EntryFormat.Reader.bad();
      }
      v.count = count;
      v.fields = new int[4 * count];
      for (int i = 0; i < count; i++) {
        v.fields[4 * i] = r.readSlice();
        v.fields[4 * i + 1] = r.lastLen;
        v.fields[4 * i + 2] = r.readSlice();
        v.fields[4 * i + 3] = r.lastLen;
      }
    } else {
      throw EntryFormat.Reader.bad();
    }
    return v;
  }

  /** Creates a key known to be absent from a parsed value. */
  private void applyValue(int db, byte[] key, int off, int len, byte[] b, ParsedValue v, long expireAtMillis) {
    if (v.type == EntryFormat.TYPE_STRING) {
      setString(db, key, off, len, b, v.off, v.len, expireAtMillis, false);
      return;
    }
    for (int i = 0; i < v.count; i++) {
      int[] f = v.fields;
      hashSet(db, key, off, len, b, f[4 * i], f[4 * i + 1], b, f[4 * i + 2], f[4 * i + 3]);
    }
    if (expireAtMillis != NO_EXPIRY) {
      setExpire(db, key, off, len, expireAtMillis);
    }
  }

  @Override
  public byte[] dump(long ref) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(EntryFormat.VERSION);
    writeEntry((int) ref, out, false);
    EntryFormat.finish(out, 0);
    return out.toByteArray();
  }

  @Override
  public boolean restore(int db, byte[] key, int keyOff, int keyLen, byte[] payload, int off, int len,
      long expireAtMillis, boolean replace, long idleSeconds, int lfuFrequency) {
    checkDb(db);
    EntryFormat.verify(payload, off, len);
    EntryFormat.Reader r = new EntryFormat.Reader(payload, off, len);
    ParsedValue v = parseBody(r, r.readByte());
    if (!r.atEnd()) {
      throw EntryFormat.Reader.bad();
    }
    long hash = KeyHash.hash(key, keyOff, keyLen);
    int slot = SlotHash.slot(key, keyOff, keyLen);
    int node = findLive(db, slot, hash, key, keyOff, keyLen);
    if (node != 0) {
      if (!replace) {
        return false;
      }
      removeNode(node, KeyspaceListener.Cause.DELETE);
    }
    if (expireAtMillis != NO_EXPIRY && expireAtMillis <= clock.currentTimeMillis()) {
      return true;
    }
    applyValue(db, key, keyOff, keyLen, payload, v, expireAtMillis);
    node = findNode(db, slot, hash, key, keyOff, keyLen);
    if (idleSeconds >= 0) {
      long access = nowSeconds() - Math.min(idleSeconds, Integer.MAX_VALUE);
      NativeMemory.putInt(address(node) + ACCESS_OFFSET, (int) Math.max(Integer.MIN_VALUE, access));
    }
    if (lfuFrequency >= 0 && policy instanceof LfuPolicy lfu && inScope(node)) {
      lfu.setFrequency(node, lfuFrequency);
    }
    return true;
  }

  /** Largest run of empty buckets one {@link #dumpSlot} call looks at per byte of its budget. */
  private static final int DUMP_EMPTY_BUCKETS_PER_KIB = 1024;

  @Override
  public long dumpSlot(int slot, long cursor, int maxBytes, java.io.ByteArrayOutputStream out) {
    checkDb(0);
    int start = out.size();
    out.write(EntryFormat.VERSION);
    SlotTable t = tables[slot];
    int v = (int) cursor;
    if (t == null || cursor < 0 || cursor > 0xFFFFFFFFL) {
      v = 0;
    } else {
      dumpSink = out;
      scanNow = clock.currentTimeMillis();
      scanEmptyBudget = Math.max(1024L, (long) maxBytes * DUMP_EMPTY_BUCKETS_PER_KIB / 1024);
      try {
        do {
          v = scanStep(t, v, null);
        } while (v != 0 && out.size() - start < maxBytes && scanEmptyBudget > 0);
      } finally {
        dumpSink = null;
      }
    }
    out.write(EntryFormat.END);
    EntryFormat.finish(out, start);
    return v & 0xFFFFFFFFL;
  }

  @Override
  public int restoreSlotChunk(byte[] chunk, int off, int len, boolean replace) {
    checkDb(0);
    EntryFormat.verify(chunk, off, len);
    EntryFormat.Reader r = new EntryFormat.Reader(chunk, off, len);
    java.util.List<ParsedValue> values = new java.util.ArrayList<>();
    java.util.List<long[]> keys = new java.util.ArrayList<>(); // keyOff, keyLen, expireAt
    while (true) {
      byte type = r.readByte();
      if (type == EntryFormat.END) {
        break;
      }
      int keyOff = r.readSlice();
      int keyLen = r.lastLen;
      long expireAt = r.readLong();
      if (expireAt < NO_EXPIRY) {
        throw EntryFormat.Reader.bad();
      }
      values.add(parseBody(r, type));
      keys.add(new long[] {keyOff, keyLen, expireAt});
    }
    if (!r.atEnd()) {
      throw EntryFormat.Reader.bad();
    }
    long now = clock.currentTimeMillis();
    int written = 0;
    for (int i = 0; i < values.size(); i++) {
      long[] k = keys.get(i);
      int keyOff = (int) k[0];
      int keyLen = (int) k[1];
      long expireAt = k[2];
      if (expireAt != NO_EXPIRY && expireAt <= now) {
        continue;
      }
      long hash = KeyHash.hash(chunk, keyOff, keyLen);
      int node = findLive(0, SlotHash.slot(chunk, keyOff, keyLen), hash, chunk, keyOff, keyLen);
      if (node != 0) {
        if (!replace) {
          continue;
        }
        removeNode(node, KeyspaceListener.Cause.DELETE);
      }
      applyValue(0, chunk, keyOff, keyLen, chunk, values.get(i), expireAt);
      written++;
    }
    return written;
  }

  @Override
  public int dropSlot(int slot, int maxKeys) {
    checkDb(0);
    SlotTable t = tables[slot];
    if (t == null || maxKeys <= 0) {
      return 0;
    }
    int[] victims = new int[Math.min(maxKeys, t.size)];
    if (slot != dropSlot) {
      dropSlot = slot;
      dropBucketHint = 0;
    }
    int n = collectNodes(t.buckets, victims, 0);
    if (t.rehashTo != null) {
      n = collectNodes(t.rehashTo, victims, n);
    }
    for (int i = 0; i < n; i++) {
      removeNode(victims[i], KeyspaceListener.Cause.DELETE);
    }
    return n;
  }

  /** The slot dropSlot worked on last, and where its bucket walk stopped (a hint: tables resize). */
  private int dropSlot = -1;
  private int dropBucketHint;

  /**
   * Collects nodes from the buckets, starting where the last call stopped and wrapping around, so
   * that dropping a big slot does not walk its already emptied buckets again on every call.
   */
  private int collectNodes(int[] buckets, int[] into, int n) {
    int mask = buckets.length - 1;
    int start = dropBucketHint & mask;
    for (int i = 0; i < buckets.length && n < into.length; i++) {
      int b = (start + i) & mask;
      for (int node = buckets[b]; node != 0 && n < into.length; node = next(address(node))) {
        into[n++] = node;
      }
      dropBucketHint = b;
    }
    return n;
  }

  @Override
  public long randomKey(int db) {
    checkDb(db);
    for (int attempt = 0; attempt < RANDOM_KEY_ATTEMPTS && dbSize[db] > 0; attempt++) {
      int start = random.nextInt(SLOTS);
      SlotTable t = null;
      for (int i = 0; i < SLOTS; i++) {
        t = tables[db * SLOTS + ((start + i) & (SLOTS - 1))];
        if (t != null) {
          break;
        }
      }
      int node = 0;
      int both = t.buckets.length + (t.rehashTo == null ? 0 : t.rehashTo.length);
      while (node == 0) {
        int r = random.nextInt(both);
        node = r < t.buckets.length ? t.buckets[r] : t.rehashTo[r - t.buckets.length];
      }
      int chain = 0;
      for (int n = node; n != 0; n = next(address(n))) {
        chain++;
      }
      for (int skip = random.nextInt(chain); skip > 0; skip--) {
        node = next(address(node));
      }
      if (isExpired(node, clock.currentTimeMillis())) {
        removeNode(node, KeyspaceListener.Cause.EXPIRE);
        expiredKeys++;
        continue;
      }
      return node;
    }
    return NONE;
  }

  @Override
  public int countKeysInSlot(int slot) {
    SlotTable t = tables[slot];
    return t == null ? 0 : t.size;
  }

  @Override
  public int keysInSlot(int slot, int max, KeyVisitor visitor) {
    SlotTable t = tables[slot];
    if (t == null) {
      return 0;
    }
    int visited = keysInBuckets(t.buckets, max, visitor);
    if (t.rehashTo != null) {
      visited += keysInBuckets(t.rehashTo, max - visited, visitor);
    }
    return visited;
  }

  private int keysInBuckets(int[] buckets, int max, KeyVisitor visitor) {
    int visited = 0;
    for (int b = 0; b < buckets.length && visited < max; b++) {
      for (int node = buckets[b]; node != 0 && visited < max; ) {
        long a = address(node);
        int len = keyToScratch(a);
        visitor.key(scratch, 0, len, encodingOf(a) >= ENC_LISTPACK ? ValueType.HASH : ValueType.STRING);
        visited++;
        node = next(a);
      }
    }
    return visited;
  }

  // ---------------------------------------------------------------- memory, eviction, expiry

  @Override
  public long usedMemory() {
    return entryBytes + indexBytes();
  }

  /** Bytes of the index: node table (which also threads the free list), slot tables, policy and expiry arrays. */
  long indexBytes() {
    long pages = (long) (nodeCapacity >>> PAGE_SHIFT) * (16 + 8L * PAGE_SIZE) + 16 + 4L * addressPages.length;
    long directory = 16 + 4L * tables.length;
    long policyBytes = policy == null ? 0 : policy.memoryBytes();
    return pages + directory + tableBytes + policyBytes + expiry.memoryBytes();
  }

  /** Bytes of entries alone (chunks and hashtable estimates). */
  long entryBytes() {
    return entryBytes;
  }

  @Override
  public boolean evictIfNeeded() {
    if (maxMemory == 0) {
      return true;
    }
    while (usedMemory() > maxMemory) {
      int node = chooseVictim();
      if (node <= 0) {
        return false;
      }
      removeNode(node, KeyspaceListener.Cause.EVICT);
      evictedKeys++;
    }
    return true;
  }

  private int chooseVictim() {
    if (evictionPolicy == EvictionPolicy.NOEVICTION) {
      return 0;
    }
    if (evictionPolicy == EvictionPolicy.VOLATILE_TTL) {
      return expiry.peekNode();
    }
    return policy.victim();
  }

  @Override
  public int activeExpireCycle(int maxKeys) {
    int removed = 0;
    if (expiry.size() > 0) {
      long now = clock.currentTimeMillis();
      while (removed < maxKeys && expiry.peekTime() <= now) {
        removeNode(expiry.peekNode(), KeyspaceListener.Cause.EXPIRE);
        removed++;
      }
      expiredKeys += removed;
    }
    compactStep(Math.max(1, maxKeys));
    rehashInBackground(Math.max(1, maxKeys));
    return removed;
  }

  /**
   * Gives back the node table, the policy's per-node arrays and the expiry positions after mass
   * deletion or expiry, in bounded steps.
   *
   * <p>When fewer than a quarter of the ids are live (and the table holds at least
   * {@link #MIN_COMPACT_NODE_CAPACITY} ids), a compaction starts with a {@code target} of twice
   * the live count in whole pages: the free list is rebuilt from the free ids below the target
   * (one pass over them), and every id at or above it that is not live becomes <em>dead</em>
   * (neither live nor free). Then each step walks a cursor down from the top id and renames each
   * live node it meets to a free id below the target ({@link #relabelNode}); a node deleted
   * above the target meanwhile becomes dead too. When the cursor reaches the target, everything
   * above it is dropped. Renaming keeps each entry's place in its chain, policy queues and the
   * expiry heap, so LRU order, LFU counts and SCAN cursors are unchanged. If inserts use up the
   * free ids below the target before the end, the compaction is abandoned and the dead ids go
   * back on the free list (one pass over them).
   *
   * <p>Half full afterwards, the table must lose half its keys again before the next compaction,
   * so it does not thrash. Steps run from the active expire cycle only, where no caller holds a
   * node id; each renames at most {@code maxNodes} nodes and looks at most
   * {@link #COMPACT_IDS_PER_NODE} times as many ids. Returns whether a compaction finished.
   */
  boolean compactNodesIfSparse() {
    return compactStep(Integer.MAX_VALUE / COMPACT_IDS_PER_NODE);
  }

  private boolean compactStep(int maxNodes) {
    if (compactTarget == 0) {
      int live = (nextNode - 1) - freeCount;
      if (nodeCapacity < MIN_COMPACT_NODE_CAPACITY || live >= nodeCapacity / 4) {
        return false;
      }
      startCompaction((int) (((2L * live + 1 + PAGE_SIZE - 1) >>> PAGE_SHIFT) << PAGE_SHIFT));
    }
    int target = compactTarget;
    int moved = 0;
    long looked = 0;
    long maxLooked = (long) maxNodes * COMPACT_IDS_PER_NODE;
    while (compactCursor >= target && moved < maxNodes && looked < maxLooked) {
      int node = compactCursor--;
      looked++;
      if (address(node) > 0) {
        int to = freeHead;
        freeHead = (int) -address(to);
        freeCount--;
        relabelNode(node, to);
        deadCount++;
        moved++;
      }
    }
    if (compactCursor >= target) {
      return false;
    }
    nextNode = target;
    compactTarget = 0;
    deadCount = 0;
    addressPages = Arrays.copyOf(addressPages, Math.max(16, target >>> PAGE_SHIFT));
    nodeCapacity = target;
    if (policy != null) {
      policy.truncateCapacity(target);
    }
    expiry.truncateNodeCapacity(target);
    return true;
  }

  private void startCompaction(int target) {
    int live = (nextNode - 1) - freeCount;
    freeHead = 0;
    freeCount = 0;
    for (int id = target - 1; id >= 1; id--) {
      if (address(id) <= 0) {
        freeNode(id);
      }
    }
    int liveBelow = (target - 1) - freeCount;
    deadCount = (nextNode - target) - (live - liveBelow);
    compactTarget = target;
    compactCursor = nextNode - 1;
  }

  /** Inserts used up the free ids below the target: dead ids go back to the free list. */
  private void abandonCompaction() {
    int target = compactTarget;
    compactTarget = 0;
    deadCount = 0;
    for (int id = nextNode - 1; id >= target; id--) {
      if (address(id) <= 0) {
        freeNode(id);
      }
    }
  }

  /** Renames live node {@code from} to the free id {@code to} everywhere it is known. */
  private void relabelNode(int from, int to) {
    long a = address(from);
    int db = dbOf(a);
    int keyLen = keyToScratch(a);
    long hash = KeyHash.hashNative(a + HEADER_BYTES, keyLen);
    SlotTable t = table(db, SlotHash.slot(scratch, 0, keyLen));
    replaceInChain(t, hash, from, to);
    if (policy != null && inScope(from)) {
      policy.relabel(from, to);
    }
    expiry.relabel(from, to);
    if (encodingOf(a) == ENC_HASHTABLE) {
      bigHashes.put(to, bigHashes.remove(from));
    }
    setAddress(to, a);
    setAddress(from, 0);
  }

  int nodeCapacity() {
    return nodeCapacity;
  }

  boolean compacting() {
    return compactTarget != 0;
  }

  @Override
  public KeyspaceStats stats() {
    return new KeyspaceStats(hits, misses, expiredKeys, evictedKeys);
  }

  @Override
  public void resetStats() {
    hits = misses = expiredKeys = evictedKeys = 0;
  }

  // ---------------------------------------------------------------- introspection

  @Override
  public String encoding(long ref) {
    long a = address((int) ref);
    return switch (encodingOf(a)) {
      case ENC_INT -> "int";
      case ENC_LISTPACK -> "listpack";
      case ENC_HASHTABLE -> "hashtable";
      default -> valueLength(a) <= EMBSTR_SIZE_LIMIT ? "embstr" : "raw";
    };
  }

  @Override
  public int lfuFrequency(long ref) {
    int node = (int) ref;
    if (policy != null && inScope(node)) {
      if (policy instanceof LfuPolicy lfu) {
        return lfu.frequency(node);
      }
      if (policy instanceof WTinyLfuPolicy w) {
        return w.frequency(node);
      }
    }
    return LfuPolicy.LFU_INIT_VAL;
  }

  @Override
  public long idleMillis(long ref) {
    long access = NativeMemory.getInt(address((int) ref) + ACCESS_OFFSET);
    return Math.max(0, clock.currentTimeMillis() - startMillis - access * 1000L);
  }

  @Override
  public long memoryUsage(long ref) {
    int node = (int) ref;
    long a = address(node);
    long perNodeIndex = 8 + 4 + (policy == null ? 0 : policy.memoryBytes() / Math.max(1, nodeCapacity))
        + (expiry.contains(node) ? 16 : 0);
    return weightOf(node, a) + perNodeIndex;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    for (int db = 0; db < databases; db++) {
      flushDatabase(db);
    }
    releaseIndex();
    NativeMemory.trim();
    closed = true;
  }

  // ---------------------------------------------------------------- helpers

  private void checkDb(int db) {
    if (db < 0 || db >= databases) {
      throw new IllegalArgumentException("db " + db + " out of range 0.." + (databases - 1));
    }
    if (closed) {
      throw new IllegalStateException("keyspace is closed");
    }
  }

  /** As Redis's string2ll for the "int" encoding: optional minus, no leading zero, fits a long. */
  static boolean isCanonicalInteger(byte[] b, int off, int len) {
    if (len == 0 || len > 20) {
      return false;
    }
    int i = off;
    int end = off + len;
    boolean negative = b[i] == '-';
    if (negative) {
      i++;
      if (i == end) {
        return false;
      }
    }
    if (b[i] == '0') {
      return len == 1;
    }
    long value = 0;
    for (; i < end; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        return false;
      }
      if (value < (Long.MIN_VALUE + d) / 10) {
        return false;
      }
      value = value * 10 - d; // accumulate negatively so Long.MIN_VALUE fits
    }
    return negative || value != Long.MIN_VALUE;
  }

  // ---------------------------------------------------------------- invariants (tests)

  /** Recounts everything the keyspace keeps incrementally and throws on the first mismatch. */
  void checkInvariants() {
    long bytes = 0;
    long tableRecount = 0;
    long live = 0;
    long now = clock.currentTimeMillis();
    for (int db = 0; db < databases; db++) {
      long count = 0;
      long vol = 0;
      for (int slot = 0; slot < SLOTS; slot++) {
        SlotTable t = tables[db * SLOTS + slot];
        if (t == null) {
          continue;
        }
        int inTable = 0;
        for (int half = 0; half < 2; half++) {
          int[] buckets = half == 0 ? t.buckets : t.rehashTo;
          if (buckets == null) {
            continue;
          }
          if (half == 0) {
            for (int b = 0; b < t.rehashIndex; b++) {
              check(buckets[b] == 0, "slot " + slot + " bucket " + b + " below the rehash index is not empty");
            }
          } else {
            check(rehashing.contains(t), "slot " + slot + " resizes but is not in the rehash queue");
          }
          int mask = buckets.length - 1;
          for (int b = 0; b < buckets.length; b++) {
            for (int node = buckets[b]; node != 0; ) {
              long a = address(node);
              check(a > 0, "node " + node + " in a chain has no chunk");
              check(dbOf(a) == db, "node " + node + " in db " + db + " says db " + dbOf(a));
              int len = keyToScratch(a);
              check(SlotHash.slot(scratch, 0, len) == slot, "node " + node + " in the wrong slot");
              check(((int) KeyHash.hashNative(a + HEADER_BYTES, len) & mask) == b, "node " + node + " in the wrong bucket");
              bytes += NativeMemory.chunkBytes(a);
              if (encodingOf(a) == ENC_HASHTABLE) {
                bytes += bigHashes.get(node).bytes;
              }
              if (expiry.contains(node)) {
                vol++;
              }
              inTable++;
              node = next(a);
            }
          }
        }
        tableRecount += SLOT_TABLE_OBJECT_BYTES + 4L * t.buckets.length + (t.rehashTo == null ? 0 : 4L * t.rehashTo.length);
        check(inTable == t.size, "slot " + slot + " counts " + t.size + " but chains hold " + inTable);
        check(t.size > 0, "an empty slot table is kept");
        count += inTable;
      }
      check(count == dbSize[db], "db " + db + " size " + dbSize[db] + " but tables hold " + count);
      check(vol == dbVolatile[db], "db " + db + " volatile " + dbVolatile[db] + " but " + vol + " in the heap");
      live += count;
    }
    check(bytes == entryBytes, "entryBytes " + entryBytes + " but chunks add up to " + bytes);
    check(tableRecount == tableBytes, "tableBytes " + tableBytes + " but slot tables add up to " + tableRecount);
    check(expiry.size() == Arrays.stream(dbVolatile).sum(), "expiry heap size");
    expiry.checkInvariants();
    long tracked = switch (scope) {
      case NONE -> 0;
      case ALL -> live;
      case VOLATILE -> expiry.size();
    };
    check(policy == null ? scope == Scope.NONE : policy.size() == tracked,
        "policy tracks " + (policy == null ? 0 : policy.size()) + " nodes, expected " + tracked);
    check(live == (nextNode - 1) - freeCount - deadCount,
        "live " + live + " but node ids in use " + ((nextNode - 1) - freeCount - deadCount));
    check(compactTarget != 0 || deadCount == 0, "dead ids outside a compaction");
    if (policy instanceof WTinyLfuPolicy w) {
      w.checkInvariants();
    }
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }
}
