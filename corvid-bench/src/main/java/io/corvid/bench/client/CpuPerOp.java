package io.corvid.bench.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
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

  /** CPU time of every thread of this JVM so far (the client's event loops included). */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
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
}
