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
    System.clearProperty(TraceFiles.TRACES_PROPERTY);
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("trace lirs/tiny.trace: 4 requests");
    assertThat(result.out()).containsPattern("(?m)^\\s+1\\s+50\\.00$");
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
