package io.corvid.bench.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * CPU time per operation, the figure that still means something on a shared machine: wall-clock
 * scores there measure the other tenants as much as the code. Benchmarks report one line per
 * measurement iteration, {@code cpu-per-op <benchmark> <nanoseconds>}, on stdout and, when the
 * system property {@value #REPORT_PROPERTY} names a file, appended to it ({@link ClientCompare}
 * reads it back).
 */
final class CpuPerOp {
  static final String REPORT_PROPERTY = "corvid.bench.cpuReport";

  private CpuPerOp() {}

  /**
   * CPU time so far of this JVM's live Java threads: the benchmark's threads and the client's I/O
   * threads, without the JIT compiler and GC threads (which are not Java threads to the
   * ThreadMXBean). JIT work goes on long after a short warmup on a loaded machine and would
   * swamp the figure; garbage collection is what the allocation per op ({@code -prof gc}) stands
   * for.
   */
  static long javaThreadsCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long id : threads.getAllThreadIds()) {
      long t = threads.getThreadCpuTime(id);
      if (t > 0) {
        sum += t;
      }
    }
    return sum;
  }

  /** CPU time of the calling thread so far. */
  static long threadCpuNanos() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  static void report(String benchmark, long cpuNanos, long ops) {
    if (ops <= 0) {
      return;
    }
    String line = String.format(Locale.ROOT, "cpu-per-op %s %.1f%n", benchmark, (double) cpuNanos / ops);
    System.out.print(line);
    String file = System.getProperty(REPORT_PROPERTY);
    if (file != null) {
      try {
        Files.writeString(Path.of(file), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The 1, 5 and 15 minute load averages (/proc/loadavg), to print next to the figures. */
  static String loadAverage() throws IOException {
    String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
    return f[0] + " " + f[1] + " " + f[2];
  }
}
