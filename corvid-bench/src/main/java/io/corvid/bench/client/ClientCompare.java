package io.corvid.bench.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * corvid-client against Lettuce on the same server, interleaved: each round runs one JMH fork of
 * {@link ClientGetBenchmark}'s Corvid method and one of its Lettuce twin, in alternating order
 * (Corvid first in odd rounds, Lettuce first in even ones), so that a machine whose load drifts
 * weighs on both alike. Prints each round's scores and ratio, then the median ratio with the
 * spread of the rounds, the CPU time of the benchmark JVM's Java threads per GET ({@link
 * CpuPerOp}, median of the iterations) and its ratio, the load average before and after, and, with {@code --gc}, the
 * bytes allocated per GET ({@code gc.alloc.rate.norm}).
 *
 * <pre>
 * $JAVA -cp $JAR io.corvid.bench.client.ClientCompare --address 127.0.0.1:6380 [--rounds 5] [--gc]
 *     [--pairs singleThread,sixteenThreads] [--warmup 2] [--iterations 3] [--seconds 2]
 * </pre>
 *
 * {@code bench/client-compare.sh} starts a Corvid node and runs this against it.
 */
public final class ClientCompare {
  /** The JVM options of every fork, the same for both clients. */
  static final String[] FORK_JVM_ARGS = {
    "-Xmx1g", "-XX:+UseG1GC", "-Dio.netty.leakDetection.level=disabled", "--sun-misc-unsafe-memory-access=allow",
    "--enable-native-access=ALL-UNNAMED"
  };

  private ClientCompare() {}

  public static void main(String[] args) throws RunnerException, IOException {
    String address = "127.0.0.1:6379";
    int rounds = 5;
    boolean gc = false;
    List<String> pairs = List.of("singleThread", "sixteenThreads");
    int warmup = 2;
    int iterations = 3;
    int seconds = 2;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--address" -> address = args[++i];
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--gc" -> gc = true;
        case "--pairs" -> pairs = Arrays.asList(args[++i].split(","));
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--iterations" -> iterations = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    String loadBefore = CpuPerOp.loadAverage();
    List<String> report = new ArrayList<>();
    for (String pair : pairs) {
      double[] ratios = new double[rounds];
      report.add("");
      report.add("### " + pair + " (" + unit(pair) + "; ratio = Corvid / Lettuce throughput, > 1 means Corvid is faster)");
      report.add("");
      report.add("| round | order | Corvid | Lettuce | ratio | Corvid CPU us/GET | Lettuce CPU us/GET | CPU ratio |"
          + (gc ? " Corvid B/op | Lettuce B/op |" : ""));
      report.add("|---:|---|---:|---:|---:|---:|---:|---:|" + (gc ? "---:|---:|" : ""));
      double[] cpuRatios = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        boolean corvidFirst = r % 2 == 0;
        Measured first = run(pair + (corvidFirst ? "Corvid" : "Lettuce"), address, gc, warmup, iterations, seconds);
        Measured second = run(pair + (corvidFirst ? "Lettuce" : "Corvid"), address, gc, warmup, iterations, seconds);
        Measured corvid = corvidFirst ? first : second;
        Measured lettuce = corvidFirst ? second : first;
        // Throughput: higher is better; average time: lower is better. Ratio > 1 = Corvid faster.
        ratios[r] = pair.startsWith("singleThread") ? lettuce.score / corvid.score : corvid.score / lettuce.score;
        // CPU per GET of the client JVM's Java threads: lower is better; ratio > 1 = Corvid cheaper.
        cpuRatios[r] = lettuce.cpuNanos / corvid.cpuNanos;
        report.add(String.format(Locale.ROOT, "| %d | %s | %s | %s | %.3f | %.2f | %.2f | %.3f |%s", r + 1,
            corvidFirst ? "C,L" : "L,C", corvid, lettuce, ratios[r], corvid.cpuNanos / 1000, lettuce.cpuNanos / 1000,
            cpuRatios[r],
            gc ? String.format(Locale.ROOT, " %.0f | %.0f |", corvid.allocPerOp, lettuce.allocPerOp) : ""));
        System.out.println(report.get(report.size() - 1));
      }
      double[] sorted = ratios.clone();
      Arrays.sort(sorted);
      report.add("");
      double[] cpuSorted = cpuRatios.clone();
      Arrays.sort(cpuSorted);
      report.add(String.format(Locale.ROOT,
          "%s: median ratio %.3f (rounds: min %.3f, max %.3f); CPU per GET, median ratio %.3f (min %.3f, max %.3f)", pair,
          sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1],
          cpuSorted[cpuSorted.length / 2], cpuSorted[0], cpuSorted[cpuSorted.length - 1]));
    }
    report.add("");
    report.add("load average before: " + loadBefore + "; after: " + CpuPerOp.loadAverage());
    System.out.println();
    report.forEach(System.out::println);
  }

  private static String unit(String pair) {
    return pair.startsWith("singleThread") ? "us per synchronous GET, lower is better" : "GETs per second of 16 threads, higher is better";
  }

  /** A JMH score with its 99.9% error, the median CPU ns per GET of its iterations, bytes per GET. */
  private record Measured(double score, double error, double cpuNanos, double allocPerOp) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, score < 100 ? "%.2f ± %.2f" : "%.0f ± %.0f", score, error);
    }
  }

  private static Measured run(String method, String address, boolean gc, int warmup, int iterations, int seconds)
      throws RunnerException, IOException {
    Path cpuReport = Files.createTempFile("corvid-cpu-per-op", ".txt");
    ChainedOptionsBuilder o = new OptionsBuilder()
        .include(ClientGetBenchmark.class.getName() + "\\." + method + "$")
        .param("address", address)
        .forks(1)
        .warmupIterations(warmup)
        .warmupTime(TimeValue.seconds(seconds))
        .measurementIterations(iterations)
        .measurementTime(TimeValue.seconds(seconds))
        .jvmArgs(FORK_JVM_ARGS)
        .jvmArgsAppend("-D" + CpuPerOp.REPORT_PROPERTY + "=" + cpuReport)
        .verbosity(VerboseMode.SILENT)
        .shouldFailOnError(true);
    if (gc) {
      o.addProfiler(GCProfiler.class);
    }
    RunResult rr = new Runner(o.build()).runSingle();
    Result<?> primary = rr.getPrimaryResult();
    Result<?> alloc = rr.getSecondaryResults().get("gc.alloc.rate.norm");
    double[] cpu = Files.readAllLines(cpuReport).stream()
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sorted().toArray();
    Files.delete(cpuReport);
    return new Measured(primary.getScore(), primary.getScoreError(), cpu.length == 0 ? Double.NaN : cpu[cpu.length / 2],
        alloc == null ? Double.NaN : alloc.getScore());
  }
}
