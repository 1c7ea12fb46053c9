package io.corvid.storage.policy;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Reads the shared traces (../shared/traces, see its README for the formats) into a key array and
 * replays them through a policy with an entry-count capacity, as the simulator does.
 */
final class Traces {
  static final Path ROOT = locate();

  private Traces() {}

  private static Path locate() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared/traces");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      candidate = p.resolveSibling("shared").resolve("traces");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return Path.of("/work/shared/traces");
  }

  static boolean available(String file) {
    return Files.isReadable(ROOT.resolve(file));
  }

  private static InputStream open(String file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(ROOT.resolve(file)), 1 << 16);
    if (file.endsWith(".xz")) {
      return new BufferedInputStream(new XZInputStream(in), 1 << 16);
    }
    if (file.endsWith(".gz")) {
      return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    return in;
  }

  /** The keys of a trace, in request order. */
  static long[] read(String file) throws IOException {
    LongList keys = new LongList();
    String format = file.substring(0, file.indexOf('/'));
    try (InputStream in = open(file)) {
      switch (format) {
        case "arc" -> {
          BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
          for (String line; (line = r.readLine()) != null; ) {
            String[] f = line.trim().split(" ");
            long start = Long.parseLong(f[0]);
            int n = Integer.parseInt(f[1]);
            for (int i = 0; i < n; i++) {
              keys.add(start + i);
            }
          }
        }
        case "lirs" -> {
          BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
          for (String line; (line = r.readLine()) != null; ) {
            line = line.trim();
            if (!line.isEmpty() && !line.contains("*")) {
              keys.add(Long.parseLong(line));
            }
          }
        }
        case "scarab" -> {
          DataInputStream d = new DataInputStream(in);
          try {
            while (true) {
              keys.add(d.readLong());
            }
          } catch (EOFException end) {
            // done
          }
        }
        case "cache2k" -> {
          DataInputStream d = new DataInputStream(in);
          try {
            while (true) {
              keys.add(d.readInt());
            }
          } catch (EOFException end) {
            // done
          }
        }
        case "address" -> {
          BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
          for (String line; (line = r.readLine()) != null; ) {
            String[] f = line.trim().split(" ");
            keys.add(Long.parseUnsignedLong(f[1].substring(2), 16));
          }
        }
        default -> throw new IllegalArgumentException(file);
      }
    }
    return keys.toArray();
  }

  /** Hit ratio in percent of a policy over a trace with an entry-count capacity. */
  static double hitRatio(ReplacementPolicy policy, long[] trace, int capacity) {
    HashMap<Long, Integer> nodes = new HashMap<>(capacity * 2);
    long[] keyOf = new long[capacity + 2];
    int[] free = new int[capacity + 2];
    int freeCount = 0;
    int nextNode = 0;
    long hits = 0;
    for (long key : trace) {
      long hash = mix(key);
      Integer node = nodes.get(key);
      if (node != null) {
        hits++;
        policy.onAccess(node, hash);
        continue;
      }
      int n = freeCount > 0 ? free[--freeCount] : nextNode++;
      keyOf[n] = key;
      nodes.put(key, n);
      policy.onInsert(n, hash, 1);
      while (nodes.size() > capacity) {
        int victim = policy.victim();
        policy.onRemove(victim);
        nodes.remove(keyOf[victim]);
        free[freeCount++] = victim;
      }
    }
    return 100.0 * hits / trace.length;
  }

  static long mix(long x) {
    x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
    x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return x ^ (x >>> 33);
  }

  private static final class LongList {
    long[] a = new long[1 << 16];
    int n;

    void add(long v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    long[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }

  /** Prints a table of hit ratios: trace capacity policy... (run by hand). */
  public static void main(String[] args) throws IOException {
    String[][] runs = {
      {"lirs/gli.trace.gz", "1000"}, {"lirs/loop.trace.gz", "512"}, {"lirs/2_pools.trace.gz", "1000"},
      {"lirs/sprite.trace.gz", "500"}, {"lirs/multi2.trace.gz", "1000"}, {"lirs/ps.trace.gz", "1000"},
      {"arc/OLTP.lis.xz", "1000"}, {"arc/OLTP.lis.xz", "2000"}, {"arc/OLTP.lis.xz", "15000"},
      {"cache2k/web07.trace.xz", "2000"}, {"cache2k/web12.trace.xz", "2000"}, {"cache2k/orm-night.trace.xz", "5000"},
      {"address/gcc.trace.gz", "1000"},
      {"arc/P3.lis.xz", "32768"}, {"arc/P2.lis.xz", "32768"}, {"scarab/scarab-recs.trace.xz", "100000"},
    };
    String only = args.length > 0 ? args[0] : "";
    for (String[] run : runs) {
      if (!run[0].contains(only)) {
        continue;
      }
      long[] trace = read(run[0]);
      int capacity = Integer.parseInt(run[1]);
      StringBuilder line = new StringBuilder(String.format("%-32s %7d", run[0], capacity));
      for (String name : (args.length > 1 ? args[1] : "lru,wtinylfu,lfu,random").split(",")) {
        ReplacementPolicy p = Policies.create(name, capacity, io.corvid.common.Clock.SYSTEM);
        line.append(String.format("  %s %6.2f", name, hitRatio(p, trace, capacity)));
      }
      System.out.println(line);
    }
  }
}
