package io.corvid.bench.client;

import io.corvid.client.CorvidClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * corvid-client against Lettuce in one JVM, in short alternating blocks: block after block, each
 * client does the same number of synchronous GETs of the same key on the same server (on 1
 * thread, then on 16 threads sharing the client), Corvid first in even pairs and Lettuce first in
 * odd ones. Each pair of neighbouring blocks gives a ratio; on a machine whose load swings from
 * second to second (a shared build box) the median of many such ratios is far steadier than two
 * JMH runs minutes apart. Reports, per thread count, the median and quartiles of the time ratio
 * and of the CPU ratio (CPU of the JVM's Java threads per GET: the callers and both clients' I/O
 * threads, not JIT or GC), the medians of the absolute figures, and the load average.
 *
 * <pre>
 * $JAVA -cp $JAR io.corvid.bench.client.ClientPaired --address 127.0.0.1:6380 [--pairs 40] [--ops 400]
 *     [--warmup-pairs 20]
 * </pre>
 */
public final class ClientPaired {
  static final String KEY = ClientGetBenchmark.KEY;

  private ClientPaired() {}

  public static void main(String[] args) throws Exception {
    String address = "127.0.0.1:6379";
    int pairs = 40;
    int ops = 400;
    int warmupPairs = 20;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--address" -> address = args[++i];
        case "--pairs" -> pairs = Integer.parseInt(args[++i]);
        case "--ops" -> ops = Integer.parseInt(args[++i]);
        case "--warmup-pairs" -> warmupPairs = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    try (CorvidClient corvid = CorvidClient.connect(address)) {
      RedisClient lettuceClient = RedisClient.create("redis://" + address);
      try (StatefulRedisConnection<String, String> connection = lettuceClient.connect()) {
        RedisCommands<String, String> lettuce = connection.sync();
        corvid.sync().set(KEY, "v".repeat(100));
        if (!corvid.sync().get(KEY).equals(lettuce.get(KEY))) {
          throw new IllegalStateException("the two clients disagree");
        }
        String loadBefore = CpuPerOp.loadAverage();
        List<String> report = new ArrayList<>();
        for (int threads : new int[] {1, 16}) {
          ExecutorService pool = Executors.newFixedThreadPool(threads);
          try {
            int perThread = threads == 1 ? ops : Math.max(1, ops / 4);
            Supplier<String> c = () -> corvid.sync().get(KEY);
            Supplier<String> l = () -> lettuce.get(KEY);
            for (int p = 0; p < warmupPairs; p++) {
              block(pool, threads, perThread, c);
              block(pool, threads, perThread, l);
            }
            double[] timeRatio = new double[pairs];
            double[] cpuRatio = new double[pairs];
            double[] corvidMicros = new double[pairs];
            double[] lettuceMicros = new double[pairs];
            double[] corvidCpu = new double[pairs];
            double[] lettuceCpu = new double[pairs];
            for (int p = 0; p < pairs; p++) {
              Block first;
              Block second;
              if (p % 2 == 0) {
                first = block(pool, threads, perThread, c);
                second = block(pool, threads, perThread, l);
              } else {
                first = block(pool, threads, perThread, l);
                second = block(pool, threads, perThread, c);
              }
              Block bc = p % 2 == 0 ? first : second;
              Block bl = p % 2 == 0 ? second : first;
              // > 1: Corvid faster (less wall time per GET) / cheaper (less CPU per GET).
              timeRatio[p] = bl.wallNanosPerOp / bc.wallNanosPerOp;
              cpuRatio[p] = bl.cpuNanosPerOp / bc.cpuNanosPerOp;
              corvidMicros[p] = bc.wallNanosPerOp / 1000;
              lettuceMicros[p] = bl.wallNanosPerOp / 1000;
              corvidCpu[p] = bc.cpuNanosPerOp / 1000;
              lettuceCpu[p] = bl.cpuNanosPerOp / 1000;
            }
            report.add(String.format(Locale.ROOT,
                "%2d thread%s, %d pairs of %d GETs per block: time ratio (Lettuce/Corvid wall time per GET) median %.3f"
                    + " [quartiles %.3f-%.3f]; CPU ratio (Lettuce/Corvid CPU per GET) median %.3f [%.3f-%.3f];"
                    + " medians: Corvid %.1f us wall, %.1f us CPU per GET; Lettuce %.1f us wall, %.1f us CPU per GET",
                threads, threads == 1 ? "" : "s", pairs, perThread * threads,
                quantile(timeRatio, 0.5), quantile(timeRatio, 0.25), quantile(timeRatio, 0.75),
                quantile(cpuRatio, 0.5), quantile(cpuRatio, 0.25), quantile(cpuRatio, 0.75),
                quantile(corvidMicros, 0.5), quantile(corvidCpu, 0.5), quantile(lettuceMicros, 0.5), quantile(lettuceCpu, 0.5)));
            System.out.println(report.get(report.size() - 1));
          } finally {
            pool.shutdownNow();
          }
        }
        System.out.println("load average before: " + loadBefore + "; after: " + CpuPerOp.loadAverage());
      } finally {
        lettuceClient.shutdown();
      }
    }
  }

  private record Block(double wallNanosPerOp, double cpuNanosPerOp) {}

  /** {@code threads} threads do {@code perThread} GETs each; wall time and Java-thread CPU per GET. */
  private static Block block(ExecutorService pool, int threads, int perThread, Supplier<String> get) throws Exception {
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      tasks.add(() -> {
        for (int i = 0; i < perThread; i++) {
          if (get.get() == null) {
            throw new IllegalStateException("the key vanished");
          }
        }
        return null;
      });
    }
    long cpu0 = CpuPerOp.javaThreadsCpuNanos();
    long t0 = System.nanoTime();
    for (Future<Void> f : pool.invokeAll(tasks)) {
      f.get();
    }
    long wall = System.nanoTime() - t0;
    long cpu = CpuPerOp.javaThreadsCpuNanos() - cpu0;
    double n = (double) threads * perThread;
    return new Block(wall / n, cpu / n);
  }

  private static double quantile(double[] values, double q) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s[(int) Math.min(s.length - 1, Math.round(q * (s.length - 1)))];
  }
}
