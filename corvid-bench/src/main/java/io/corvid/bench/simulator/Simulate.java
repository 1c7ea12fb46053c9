package io.corvid.bench.simulator;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bin/corvid simulate}: replays a cache trace through eviction policies and prints hit
 * ratios, one row per capacity and one column per policy.
 *
 * <pre>
 * bin/corvid simulate --trace arc/OLTP.lis.xz --compare --capacity 1000 --capacity 2000
 * bin/corvid simulate --trace lirs/gli.trace.gz --policy lru --capacity 1000
 * </pre>
 *
 * The trace is read once (gzip and xz by stream) and every policy replays it from memory, each
 * from an empty cache.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Replays a cache trace through eviction policies and prints hit ratios (%).")
public final class Simulate implements Callable<Integer> {

  @Spec private CommandLine.Model.CommandSpec spec;

  @Option(names = "--trace", required = true, paramLabel = "FILE",
      description = "Trace file, as a path or relative to the shared traces folder "
          + "(e.g. arc/OLTP.lis.xz). .gz and .xz are read by stream.")
  private String trace;

  @Option(names = "--format", paramLabel = "FORMAT", converter = FormatConverter.class,
      description = "arc, lirs, cache2k, scarab, address or adapt_size. "
          + "Default: the name of the folder holding the trace.")
  private TraceFormat format;

  @Option(names = "--capacity", required = true, split = ",", paramLabel = "N",
      description = "Cache size in entries (bytes for the weighted adapt_size trace). "
          + "Repeat or comma-separate for several.")
  private List<Long> capacities = new ArrayList<>();

  @Option(names = "--policy", split = ",", paramLabel = "P",
      description = "lru, lfu, wtinylfu, random (Corvid's storage engine), caffeine (the "
          + "library) or opt (Belady). Repeat or comma-separate. Default: lru.")
  private List<String> policies = new ArrayList<>();

  @Option(names = "--compare",
      description = "All of: lru, lfu, wtinylfu, caffeine, opt, side by side.")
  private boolean compare;

  @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
      description = "Replay nondeterministic policies (caffeine) N times and report the median "
          + "(default: ${DEFAULT-VALUE}).")
  private int repeat;

  @Option(names = "--requests-per-second", paramLabel = "R", defaultValue = "0",
      description = "Simulated request rate: the policies' clock advances 1/R s per request, so "
          + "LFU counters decay by lfu-decay-time. Default 0: the clock stands still "
          + "(traces carry no time) and LFU counters never decay.")
  private double requestsPerSecond;

  @Option(names = "--traces-dir", paramLabel = "DIR",
      description = "The shared traces folder (default: -Dcorvid.traces, $CORVID_TRACES, or the "
          + "first shared/traces in the working directory or an ancestor).")
  private Path tracesDir;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command without exiting; returns the exit code. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The command, with I/O and format errors reported as one line instead of a stack trace. */
  static CommandLine commandLine() {
    return new CommandLine(new Simulate()).setExecutionExceptionHandler((e, cli, parsed) -> {
      cli.getErr().println("simulate: " + e.getMessage());
      cli.getErr().flush();
      return 1;
    });
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    LinkedHashSet<String> names = new LinkedHashSet<>();
    if (compare) {
      names.addAll(SimulatedPolicies.COMPARE);
    }
    for (String policy : policies) {
      names.add(SimulatedPolicies.normalise(policy));
    }
    if (names.isEmpty()) {
      names.add("lru");
    }
    List<SimulatedPolicy> columns;
    try {
      columns = SimulatedPolicies.named(List.copyOf(names), requestNanos());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (repeat < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--repeat must be at least 1");
    }
    for (long capacity : capacities) {
      if (capacity <= 0) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--capacity must be positive: " + capacity);
      }
    }

    Path file = TraceFiles.resolve(trace, tracesDir);
    long readStart = System.nanoTime();
    Trace loaded = TraceFiles.load(file, format, tracesDir);
    long readMillis = (System.nanoTime() - readStart) / 1_000_000;
    out.printf(Locale.ROOT, "trace %s: %,d requests, %,d distinct keys%s, max hit %.2f%% (read in %,d ms)%n",
        loaded.name(), loaded.requestCount(), loaded.distinctKeys(),
        loaded.weighted() ? " (weighted: capacity in bytes)" : "", loaded.maxHitRatioPercent(),
        readMillis);

    HitRatioTable table = new HitRatioTable(columns, repeat);
    for (long capacity : capacities) {
      for (SimulatedPolicy policy : columns) {
        long start = System.nanoTime();
        long hits = policy.medianHits(loaded, capacity, repeat);
        table.put(capacity, policy, hits, loaded.requestCount(), (System.nanoTime() - start) / 1_000_000);
      }
    }
    table.print(out);
    out.flush();
    return 0;
  }

  private long requestNanos() {
    if (requestsPerSecond < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--requests-per-second must be >= 0");
    }
    return requestsPerSecond == 0 ? 0 : Math.max(1, Math.round(1e9 / requestsPerSecond));
  }

  static final class FormatConverter implements CommandLine.ITypeConverter<TraceFormat> {
    @Override
    public TraceFormat convert(String value) {
      try {
        return TraceFormat.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
