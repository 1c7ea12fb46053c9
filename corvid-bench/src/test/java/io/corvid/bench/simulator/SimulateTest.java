package io.corvid.bench.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimulateTest {

  private record Result(int exitCode, String out, String err) {}

  private static Result run(String... args) {
    CommandLine cli = Simulate.commandLine();
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    cli.setOut(new java.io.PrintWriter(out));
    cli.setErr(new java.io.PrintWriter(err));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void printsOneRowPerCapacityAndOneColumnPerPolicy(@TempDir Path dir) throws Exception {
    // Textbook Belady trace: OPT has 5 hits of 12 with 3 frames and 6 with 4.
    Path file = Files.writeString(dir.resolve("belady.trace"), "1\n2\n3\n4\n1\n2\n*\n5\n1\n2\n3\n4\n5\n");
    Result result = run("--trace", file.toString(), "--format", "lirs", "--policy", "opt",
        "--capacity", "3,4");
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("12 requests, 5 distinct keys");
    assertThat(result.out()).containsPattern("(?m)^\\s+3\\s+41\\.67$");
    assertThat(result.out()).containsPattern("(?m)^\\s+4\\s+50\\.00$");
  }

  @Test
  void findsATraceRelativeToTheTracesFolder(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("lirs"));
    Files.writeString(dir.resolve("lirs/tiny.trace"), "1\n1\n2\n1\n");
    Result result = run("--traces-dir", dir.toString(), "--trace", "lirs/tiny.trace",
        "--policy", "opt", "--capacity", "1");
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("trace lirs/tiny.trace: 4 requests");
    assertThat(result.out()).containsPattern("(?m)^\\s+1\\s+50\\.00$");
  }

  @Test
  void compareShowsEveryPolicyAndLruMatchesAnIndependentCount(@TempDir Path dir) throws Exception {
    Trace trace = Traces.skewed(21, 20_000, 2_000, 2.5);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < trace.requestCount(); i++) {
      text.append(trace.originalKey(trace.request(i))).append('\n');
    }
    Path file = Files.writeString(dir.resolve("skewed.trace"), text);
    // LRU and W-TinyLFU named again, in other spellings: still one column each.
    Result result = run("--trace", file.toString(), "--format", "lirs", "--compare", "--capacity", "200",
        "--policy", "allkeys-LRU,W-TinyLFU");
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).containsPattern("capacity\\s+LRU\\s+LFU\\s+W-TinyLFU\\s+Caffeine\\s+OPT\\n");
    assertThat(result.out()).contains("io.corvid.storage.policy.WTinyLfuPolicy");
    String lru = String.format(java.util.Locale.ROOT, "%.2f",
        HitRatioTable.percent(ReplacementPolicyReplayTest.linkedHashMapLruHits(trace, 200), trace.requestCount()));
    assertThat(result.out()).containsPattern("(?m)^\\s+200\\s+" + java.util.regex.Pattern.quote(lru) + "\\s");
  }

  @Test
  void weightedTraceCapacityIsInBytes(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("adapt_size"));
    StringBuilder text = new StringBuilder();
    java.util.Random random = new java.util.Random(5);
    for (int i = 0; i < 5_000; i++) {
      int id = (int) (300 * Math.pow(random.nextDouble(), 2));
      text.append(i).append(' ').append(id).append(' ').append(100 + id * 7 % 900).append('\n');
    }
    Path file = Files.writeString(dir.resolve("adapt_size/w.trace"), text);
    Result result = run("--trace", file.toString(), "--compare", "--policy", "random", "--capacity", "20000");
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("(weighted: capacity in bytes)");
    assertThat(result.out()).containsPattern("(?m)^\\s+20,000(\\s+\\d+\\.\\d\\d){6}$");
  }

  @Test
  void rejectsUnknownPoliciesAndMissingTraces(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("t.trace"), "1\n");
    Result unknown = run("--trace", file.toString(), "--format", "lirs", "--policy", "fifo",
        "--capacity", "1");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown policy 'fifo'");

    Result missing = run("--trace", dir.resolve("nope.trace").toString(), "--capacity", "1",
        "--policy", "opt");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).startsWith("simulate: trace '").contains("nope.trace");

    Result zero = run("--trace", file.toString(), "--format", "lirs", "--policy", "opt",
        "--capacity", "0");
    assertThat(zero.exitCode()).isEqualTo(2);
  }
}
