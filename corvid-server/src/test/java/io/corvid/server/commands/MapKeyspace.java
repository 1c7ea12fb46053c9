package io.corvid.server.commands;

import io.corvid.common.Clock;
import io.corvid.storage.EvictionPolicy;
import io.corvid.storage.HashVisitor;
import io.corvid.storage.KeyVisitor;
import io.corvid.storage.Keyspace;
import io.corvid.storage.KeyspaceListener;
import io.corvid.storage.KeyspaceStats;
import io.corvid.storage.ValueType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A plain-map {@link Keyspace} for command tests, used only while the storage engine's
 * {@code Keyspace.create} is not available. It enforces the entry-reference contract strictly:
 * every mutation (including a lazy expiry) starts a new generation, and resolving a reference
 * from an older generation throws, so a command that keeps a reference across a write fails.
 */
final class MapKeyspace implements Keyspace {
  private static final class Entry {
    final byte[] key;
    ValueType type;
    byte[] string;
    LinkedHashMap<Key, byte[]> hash;
    long expireAt = NO_EXPIRY;

    Entry(byte[] key) {
      this.key = key;
    }
  }

  private record Key(byte[] bytes) implements Comparable<Key> {
    static Key of(byte[] b, int off, int len) {
      return new Key(Arrays.copyOfRange(b, off, off + len));
    }

    @Override public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(bytes, k.bytes);
    }

    @Override public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override public int compareTo(Key o) {
      return Arrays.compareUnsigned(bytes, o.bytes);
    }
  }

  private final Clock clock;
  private final List<TreeMap<Key, Entry>> dbs = new ArrayList<>();
  private final List<Entry> handedOut = new ArrayList<>();
  private long generation = 1;
  private long hits;
  private long misses;
  private long expired;

  MapKeyspace(int databases, Clock clock) {
    this.clock = clock;
    for (int i = 0; i < databases; i++) {
      dbs.add(new TreeMap<>());
    }
  }

  private void mutated() {
    generation++;
    handedOut.clear();
  }

  private long ref(Entry e) {
    handedOut.add(e);
    return (generation << 24) | handedOut.size();
  }

  private Entry entry(long ref) {
    if (ref == NONE || (ref >>> 24) != generation) {
      throw new IllegalStateException("stale or invalid entry reference " + ref);
    }
    return handedOut.get((int) (ref & 0xFFFFFF) - 1);
  }

  private Entry live(int db, Key k) {
    Entry e = dbs.get(db).get(k);
    if (e != null && e.expireAt != NO_EXPIRY && e.expireAt <= clock.currentTimeMillis()) {
      dbs.get(db).remove(k);
      expired++;
      mutated();
      return null;
    }
    return e;
  }

  @Override public int databases() { return dbs.size(); }
  @Override public long maxMemory() { return 0; }
  @Override public void setMaxMemory(long bytes) {}
  @Override public EvictionPolicy policy() { return EvictionPolicy.NOEVICTION; }
  @Override public void setPolicy(EvictionPolicy policy) {}
  @Override public void setLfuLogFactor(int factor) {}
  @Override public void setLfuDecayTimeMinutes(int minutes) {}
  @Override public void setListener(KeyspaceListener listener) {}

  @Override public long lookup(int db, byte[] key, int off, int len, int flags) {
    Entry e = live(db, Key.of(key, off, len));
    if ((flags & LOOKUP_NOSTATS) == 0) {
      if (e == null) {
        misses++;
      } else {
        hits++;
      }
    }
    return e == null ? NONE : ref(e);
  }

  @Override public ValueType type(long ref) { return entry(ref).type; }
  @Override public long expireAt(long ref) { return entry(ref).expireAt; }
  @Override public int stringLength(long ref) { return entry(ref).string.length; }

  @Override public void copyString(long ref, int srcOff, byte[] dst, int dstOff, int len) {
    System.arraycopy(entry(ref).string, srcOff, dst, dstOff, len);
  }

  @Override public long stringAddress(long ref) {
    entry(ref);
    return 0;
  }

  @Override public byte[] keyBytes(long ref) { return entry(ref).key.clone(); }
  @Override public int hashLength(long ref) { return entry(ref).hash.size(); }

  @Override public byte[] hashGet(long ref, byte[] field, int off, int len) {
    byte[] v = entry(ref).hash.get(Key.of(field, off, len));
    return v == null ? null : v.clone();
  }

  @Override public void hashForEach(long ref, HashVisitor visitor) {
    for (Map.Entry<Key, byte[]> f : entry(ref).hash.entrySet()) {
      visitor.field(f.getKey().bytes(), 0, f.getKey().bytes().length, f.getValue(), 0, f.getValue().length);
    }
  }

  @Override public long setString(int db, byte[] key, int keyOff, int keyLen, byte[] value, int valueOff, int valueLen,
      long expireAtMillis, boolean keepTtl) {
    Key k = Key.of(key, keyOff, keyLen);
    Entry old = live(db, k);
    Entry e = new Entry(k.bytes());
    e.type = ValueType.STRING;
    e.string = Arrays.copyOfRange(value, valueOff, valueOff + valueLen);
    e.expireAt = keepTtl ? (old == null ? NO_EXPIRY : old.expireAt) : expireAtMillis;
    dbs.get(db).put(k, e);
    mutated();
    return ref(e);
  }

  @Override public boolean hashSet(int db, byte[] key, int keyOff, int keyLen, byte[] field, int fieldOff, int fieldLen,
      byte[] value, int valueOff, int valueLen) {
    Key k = Key.of(key, keyOff, keyLen);
    Entry e = live(db, k);
    if (e == null) {
      e = new Entry(k.bytes());
      e.type = ValueType.HASH;
      e.hash = new LinkedHashMap<>();
      dbs.get(db).put(k, e);
    }
    if (e.type != ValueType.HASH) {
      throw new IllegalStateException("hashSet on a " + e.type);
    }
    boolean added = e.hash.put(Key.of(field, fieldOff, fieldLen), Arrays.copyOfRange(value, valueOff, valueOff + valueLen)) == null;
    mutated();
    return added;
  }

  @Override public boolean hashDelete(int db, byte[] key, int keyOff, int keyLen, byte[] field, int fieldOff, int fieldLen) {
    Key k = Key.of(key, keyOff, keyLen);
    Entry e = live(db, k);
    if (e == null || e.type != ValueType.HASH) {
      return false;
    }
    boolean removed = e.hash.remove(Key.of(field, fieldOff, fieldLen)) != null;
    if (e.hash.isEmpty()) {
      dbs.get(db).remove(k);
    }
    mutated();
    return removed;
  }

  @Override public boolean delete(int db, byte[] key, int off, int len) {
    Key k = Key.of(key, off, len);
    boolean existed = live(db, k) != null;
    dbs.get(db).remove(k);
    mutated();
    return existed;
  }

  @Override public boolean setExpire(int db, byte[] key, int off, int len, long expireAtMillis) {
    Entry e = live(db, Key.of(key, off, len));
    mutated();
    if (e == null) {
      return false;
    }
    e.expireAt = expireAtMillis;
    return true;
  }

  @Override public boolean rename(int db, byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
    Key s = Key.of(src, srcOff, srcLen);
    Entry e = live(db, s);
    mutated();
    if (e == null) {
      return false;
    }
    dbs.get(db).remove(s);
    Key d = Key.of(dst, dstOff, dstLen);
    dbs.get(db).put(d, moved(e, d.bytes(), false));
    return true;
  }

  private static Entry moved(Entry e, byte[] key, boolean deep) {
    Entry n = new Entry(key);
    n.type = e.type;
    n.string = e.string == null ? null : e.string.clone();
    n.hash = e.hash == null ? null : deep ? new LinkedHashMap<>(e.hash) : e.hash;
    n.expireAt = e.expireAt;
    return n;
  }

  @Override public boolean copy(int srcDb, byte[] src, int srcOff, int srcLen, int dstDb, byte[] dst, int dstOff, int dstLen,
      boolean replace) {
    Entry e = live(srcDb, Key.of(src, srcOff, srcLen));
    Key d = Key.of(dst, dstOff, dstLen);
    Entry existing = live(dstDb, d);
    mutated();
    if (e == null || existing != null && !replace) {
      return false;
    }
    dbs.get(dstDb).put(d, moved(e, d.bytes(), true));
    return true;
  }

  @Override public boolean move(int srcDb, byte[] key, int off, int len, int dstDb) {
    Key k = Key.of(key, off, len);
    Entry e = live(srcDb, k);
    Entry existing = live(dstDb, k);
    mutated();
    if (e == null || existing != null) {
      return false;
    }
    dbs.get(srcDb).remove(k);
    dbs.get(dstDb).put(k, e);
    return true;
  }

  @Override public void flush(int db) {
    dbs.get(db).clear();
    mutated();
  }

  @Override public void flushAll() {
    dbs.forEach(Map::clear);
    mutated();
  }

  @Override public long size(int db) { return dbs.get(db).size(); }

  @Override public long volatileSize(int db) {
    return dbs.get(db).values().stream().filter(e -> e.expireAt != NO_EXPIRY).count();
  }

  /** Cursor = number of keys (in key order) already returned; fine for tests without concurrent writes. */
  @Override public long scan(int db, long cursor, int count, KeyVisitor visitor) {
    Iterator<Entry> it = dbs.get(db).values().iterator();
    long pos = 0;
    while (pos < cursor && it.hasNext()) {
      it.next();
      pos++;
    }
    int visited = 0;
    while (visited < count && it.hasNext()) {
      Entry e = it.next();
      visitor.key(e.key, 0, e.key.length, e.type);
      visited++;
      pos++;
    }
    return it.hasNext() ? pos : 0;
  }

  @Override public long randomKey(int db) {
    TreeMap<Key, Entry> m = dbs.get(db);
    if (m.isEmpty()) {
      return NONE;
    }
    List<Entry> all = new ArrayList<>(m.values());
    return ref(all.get(java.util.concurrent.ThreadLocalRandom.current().nextInt(all.size())));
  }

  @Override public int countKeysInSlot(int slot) { throw new UnsupportedOperationException(); }
  @Override public int keysInSlot(int slot, int max, KeyVisitor visitor) { throw new UnsupportedOperationException(); }
  @Override public long usedMemory() { return 0; }
  @Override public boolean evictIfNeeded() { return true; }
  @Override public int activeExpireCycle(int maxKeys) { return 0; }
  @Override public KeyspaceStats stats() { return new KeyspaceStats(hits, misses, expired, 0); }
  @Override public void resetStats() { hits = misses = expired = 0; }
  @Override public String encoding(long ref) { return "raw"; }
  @Override public int lfuFrequency(long ref) { return 0; }
  @Override public long idleMillis(long ref) { return 0; }
  @Override public long memoryUsage(long ref) { return 0; }
  @Override public void close() {}
}
