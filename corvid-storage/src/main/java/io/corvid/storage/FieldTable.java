package io.corvid.storage;

import java.util.Arrays;

/**
 * The fields of a hashtable-encoded hash (one with more than {@code hash-max-listpack-entries}
 * fields or a field or value longer than {@code hash-max-listpack-value}), on the heap.
 *
 * <p>A chained hash table of power-of-two size, so that HSCAN can walk it with Redis's
 * reverse-binary cursor ({@link #scan}): every field present for the whole scan is returned at
 * least once, whatever resizes happen between calls. It doubles above one field per bucket and
 * halves below a quarter, at once: a hash's fields are resized by the command that changes it.
 *
 * <p>Not thread-safe; the keyspace serialises calls.
 */
final class FieldTable {
  private static final int MIN_BUCKETS = 4;

  private static final class Field {
    final byte[] name;
    final int hash;
    byte[] value;
    Field next;

    Field(byte[] name, int hash, byte[] value, Field next) {
      this.name = name;
      this.hash = hash;
      this.value = value;
      this.next = next;
    }
  }

  private Field[] buckets = new Field[MIN_BUCKETS];
  private int size;

  int size() {
    return size;
  }

  private static int hashOf(byte[] b, int off, int len) {
    long h = KeyHash.hash(b, off, len);
    return (int) (h ^ (h >>> 32));
  }

  private Field find(byte[] name, int off, int len, int hash) {
    for (Field f = buckets[hash & (buckets.length - 1)]; f != null; f = f.next) {
      if (f.hash == hash && Arrays.equals(f.name, 0, f.name.length, name, off, off + len)) {
        return f;
      }
    }
    return null;
  }

  /** The value of a field (the stored array itself: callers must not change it), or null. */
  byte[] get(byte[] name, int off, int len) {
    Field f = find(name, off, len, hashOf(name, off, len));
    return f == null ? null : f.value;
  }

  /** Sets a field to {@code value} (kept, not copied); returns the old value or null when new. */
  byte[] put(byte[] name, int off, int len, byte[] value) {
    int hash = hashOf(name, off, len);
    Field f = find(name, off, len, hash);
    if (f != null) {
      byte[] old = f.value;
      f.value = value;
      return old;
    }
    int b = hash & (buckets.length - 1);
    buckets[b] = new Field(Arrays.copyOfRange(name, off, off + len), hash, value, buckets[b]);
    if (++size > buckets.length) {
      resize(buckets.length * 2);
    }
    return null;
  }

  /** Removes a field; returns its value or null when absent. */
  byte[] remove(byte[] name, int off, int len) {
    int hash = hashOf(name, off, len);
    int b = hash & (buckets.length - 1);
    Field prev = null;
    for (Field f = buckets[b]; f != null; prev = f, f = f.next) {
      if (f.hash == hash && Arrays.equals(f.name, 0, f.name.length, name, off, off + len)) {
        if (prev == null) {
          buckets[b] = f.next;
        } else {
          prev.next = f.next;
        }
        size--;
        if (buckets.length > MIN_BUCKETS && size < buckets.length / 4) {
          resize(buckets.length / 2);
        }
        return f.value;
      }
    }
    return null;
  }

  private void resize(int length) {
    Field[] old = buckets;
    Field[] fresh = new Field[length];
    for (Field head : old) {
      for (Field f = head; f != null; ) {
        Field following = f.next;
        int b = f.hash & (length - 1);
        f.next = fresh[b];
        fresh[b] = f;
        f = following;
      }
    }
    buckets = fresh;
  }

  void forEach(HashVisitor visitor) {
    for (Field head : buckets) {
      for (Field f = head; f != null; f = f.next) {
        visitor.field(f.name, 0, f.name.length, f.value, 0, f.value.length);
      }
    }
  }

  /** A copy (values are shared: they are never changed in place). */
  FieldTable copy() {
    FieldTable c = new FieldTable();
    c.buckets = new Field[buckets.length];
    for (int b = 0; b < buckets.length; b++) {
      for (Field f = buckets[b]; f != null; f = f.next) {
        c.buckets[b] = new Field(f.name, f.hash, f.value, c.buckets[b]);
      }
    }
    c.size = size;
    return c;
  }

  /**
   * One HSCAN step: visits whole buckets from {@code cursor} until about {@code count} fields
   * (or ten times as many empty buckets) were seen, and returns the next cursor, 0 at the end.
   */
  long scan(long cursor, int count, HashVisitor visitor) {
    int mask = buckets.length - 1;
    int v = (int) cursor;
    if (cursor < 0 || cursor > 0xFFFFFFFFL) {
      return 0;
    }
    int visited = 0;
    long emptyBudget = Math.max(1L, count) * 10;
    do {
      Field f = buckets[v & mask];
      if (f == null) {
        emptyBudget--;
      }
      for (; f != null; f = f.next) {
        visitor.field(f.name, 0, f.name.length, f.value, 0, f.value.length);
        visited++;
      }
      v |= ~mask;
      v = Integer.reverse(v);
      v++;
      v = Integer.reverse(v);
    } while (v != 0 && visited < count && emptyBudget > 0);
    return v & 0xFFFFFFFFL;
  }
}
