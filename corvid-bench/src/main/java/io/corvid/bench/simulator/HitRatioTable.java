package io.corvid.bench.simulator;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Hit ratios by capacity (rows) and policy (columns), printed as an aligned text table. */
final class HitRatioTable {

  private static final int CAPACITY_WIDTH = 12;
  private static final int MIN_COLUMN_WIDTH = 9;

  private final List<SimulatedPolicy> columns;
  private final Map<Long, double[]> ratios = new LinkedHashMap<>();
  private final long[] millis;
  private final int repeat;

  HitRatioTable(List<SimulatedPolicy> columns, int repeat) {
    this.columns = List.copyOf(columns);
    this.repeat = repeat;
    this.millis = new long[columns.size()];
  }

  void put(long capacity, SimulatedPolicy policy, long hits, long requests, long elapsedMillis) {
    int column = columns.indexOf(policy);
    ratios.computeIfAbsent(capacity, c -> new double[columns.size()])[column] =
        percent(hits, requests);
    millis[column] += elapsedMillis;
  }

  /** hits / requests as a percentage. */
  static double percent(long hits, long requests) {
    return requests == 0 ? 0 : 100.0 * hits / requests;
  }

  void print(PrintWriter out) {
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%" + CAPACITY_WIDTH + "s", "capacity"));
    for (SimulatedPolicy policy : columns) {
      header.append(String.format(Locale.ROOT, " %" + width(policy) + "s", policy.name()));
    }
    out.println(header);
    for (Map.Entry<Long, double[]> row : ratios.entrySet()) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%," + CAPACITY_WIDTH + "d", row.getKey()));
      for (int c = 0; c < columns.size(); c++) {
        line.append(String.format(Locale.ROOT, " %" + width(columns.get(c)) + ".2f", row.getValue()[c]));
      }
      out.println(line);
    }
    StringBuilder time = new StringBuilder(String.format(Locale.ROOT, "%" + CAPACITY_WIDTH + "s", "time (ms)"));
    for (int c = 0; c < columns.size(); c++) {
      time.append(String.format(Locale.ROOT, " %," + width(columns.get(c)) + "d", millis[c]));
    }
    out.println(time);
    out.println("hit ratio in % of requests. Columns:");
    for (SimulatedPolicy policy : columns) {
      String median = !policy.deterministic() && repeat > 1
          ? "; median of " + repeat + " replays" : "";
      out.printf(Locale.ROOT, "  %-10s %s%s%n", policy.name(), policy.origin(), median);
    }
  }

  private static int width(SimulatedPolicy policy) {
    return Math.max(MIN_COLUMN_WIDTH, policy.name().length());
  }
}
