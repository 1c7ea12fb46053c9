package io.corvid.storage;

import io.corvid.common.Clock;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Measures what a fill really costs the process: run in a fresh JVM (MemoryMeterTest starts one)
 * so that nothing else moves RSS. Fills {@code n} keys of 16 bytes with 100-byte values, then
 * prints one line per measure as {@code name=value}, which the test parses:
 * rss growth (from /proc/self/statm), the keyspace's usedMemory, heap used growth, and after
 * each fill/flush round the RSS and usedMemory again.
 */
public final class MemoryFootprint {
  public static final int KEY_BYTES = 16;
  public static final int VALUE_BYTES = 100;

  private MemoryFootprint() {}

  public static void main(String[] args) throws IOException {
    int n = Integer.parseInt(args[0]);
    EvictionPolicy policy = EvictionPolicy.fromConfigName(args[1]);
    int rounds = Integer.parseInt(args[2]);
    boolean ttl = args.length > 3 && Boolean.parseBoolean(args[3]);
    Keyspace ks = Keyspace.create(StorageConfig.defaults().withPolicy(policy), Clock.SYSTEM);
    byte[] key = new byte[KEY_BYTES];
    byte[] value = new byte[VALUE_BYTES];
    for (int i = 0; i < VALUE_BYTES; i++) {
      value[i] = (byte) ('a' + i % 26);
    }
    // Warm up the code paths and the allocator so the baseline includes them.
    fill(ks, key, value, 10_000, ttl);
    ks.flushAll();
    settle();
    long rss0 = rss();
    long heap0 = heapUsed();
    long used0 = ks.usedMemory();
    fill(ks, key, value, n, ttl);
    settle();
    long rss1 = rss();
    long heap1 = heapUsed();
    long used1 = ks.usedMemory();
    System.out.println("keys=" + ks.size(0));
    System.out.println("rssGrowth=" + (rss1 - rss0));
    System.out.println("usedGrowth=" + (used1 - used0));
    System.out.println("heapGrowth=" + (heap1 - heap0));
    System.out.println("entryBytes=" + ((OffHeapKeyspace) ks).entryBytes());
    System.out.println("indexBytes=" + ((OffHeapKeyspace) ks).indexBytes());
    for (int round = 1; round <= rounds; round++) {
      ks.flushAll();
      settle();
      System.out.println("round" + round + ".flushedRss=" + (rss() - rss0));
      System.out.println("round" + round + ".flushedUsed=" + (ks.usedMemory() - used0));
      fill(ks, key, value, n, ttl);
      settle();
      System.out.println("round" + round + ".filledRss=" + (rss() - rss0));
    }
    ks.close();
  }

  static void fill(Keyspace ks, byte[] key, byte[] value, int n, boolean ttl) {
    long expire = ttl ? System.currentTimeMillis() + 3_600_000 : Keyspace.NO_EXPIRY;
    for (int i = 0; i < n; i++) {
      formatKey(key, i);
      ks.setString(0, key, 0, KEY_BYTES, value, 0, VALUE_BYTES, expire, false);
    }
  }

  /** "key:" followed by 12 decimal digits, written in place. */
  static void formatKey(byte[] key, int i) {
    key[0] = 'k';
    key[1] = 'e';
    key[2] = 'y';
    key[3] = ':';
    for (int p = KEY_BYTES - 1; p >= 4; p--) {
      key[p] = (byte) ('0' + i % 10);
      i /= 10;
    }
  }

  private static void settle() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
  }

  static long rss() throws IOException {
    String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
    return Long.parseLong(statm[1]) * 4096;
  }

  private static long heapUsed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
