package io.corvid.bench.simulator;

import java.util.Arrays;

/**
 * Open-addressing map from {@code long} keys to non-negative {@code int} values, used to give
 * every distinct trace key a dense id. No boxing: traces hold millions of requests.
 */
final class LongIntMap {

  private static final int INITIAL_CAPACITY = 1 << 12;
  private static final int ABSENT = -1;

  private long[] keys;
  private int[] values;
  private int size;
  private int mask;

  LongIntMap() {
    allocate(INITIAL_CAPACITY);
  }

  int size() {
    return size;
  }

  /** The value stored for {@code key}, or -1. */
  int get(long key) {
    int i = slot(key);
    while (values[i] != ABSENT) {
      if (keys[i] == key) {
        return values[i];
      }
      i = (i + 1) & mask;
    }
    return ABSENT;
  }

  /** The value for {@code key}; when absent, stores {@code valueIfAbsent} and returns it. */
  int getOrPut(long key, int valueIfAbsent) {
    if (valueIfAbsent < 0) {
      throw new IllegalArgumentException("values must be non-negative: " + valueIfAbsent);
    }
    int i = slot(key);
    while (values[i] != ABSENT) {
      if (keys[i] == key) {
        return values[i];
      }
      i = (i + 1) & mask;
    }
    keys[i] = key;
    values[i] = valueIfAbsent;
    if (++size > (mask + 1) >>> 1) {
      grow();
    }
    return valueIfAbsent;
  }

  private int slot(long key) {
    return (int) KeyHash.mix(key) & mask;
  }

  private void allocate(int capacity) {
    keys = new long[capacity];
    values = new int[capacity];
    Arrays.fill(values, ABSENT);
    mask = capacity - 1;
  }

  private void grow() {
    long[] oldKeys = keys;
    int[] oldValues = values;
    allocate(oldKeys.length << 1);
    for (int j = 0; j < oldKeys.length; j++) {
      if (oldValues[j] != ABSENT) {
        int i = slot(oldKeys[j]);
        while (values[i] != ABSENT) {
          i = (i + 1) & mask;
        }
        keys[i] = oldKeys[j];
        values[i] = oldValues[j];
      }
    }
  }
}
