package io.corvid.jcache;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped per-key locks: every operation on one key of one cache runs under the key's stripe, so
 * the read-decide-write steps of JCache operations are atomic among the threads of this JVM.
 * (Across JVMs see the module README: conditional operations use the server's own atomic
 * commands where one exists.)
 */
final class KeyLocks {
  static final int STRIPES = 256;
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

  KeyLocks() {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  ReentrantLock lockFor(byte[] key) {
    int h = Arrays.hashCode(key);
    h ^= h >>> 16;
    return locks[h & (STRIPES - 1)];
  }
}
