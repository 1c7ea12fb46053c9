package io.corvid.examples.catalogue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The one command the README promises: {@code run.sh} (without the build step, which the Maven
 * build running this test has just done) starts a Corvid node with bin/corvid, runs the example
 * against it, and stops the node when the example ends.
 */
class RunScriptIT {
  private static final Pattern STARTED = Pattern.compile("started a Corvid node on 127\\.0\\.0\\.1:\\d+ \\(pid (\\d+);");
  private static final long RUN_TIMEOUT_SECONDS = 300;

  @Test
  void runShStartsANodeRunsTheExampleAndStopsTheNode() throws Exception {
    Path module = Path.of(System.getProperty("user.dir"));
    Path script = module.resolve("run.sh");
    assertThat(script).exists();
    assertThat(module.resolve("../../corvid-server/target/classpath.txt"))
        .as("bin/corvid runs corvid-server's build (./mvnw verify packages corvid-server before this module)").exists();
    Path log = Files.createTempFile("run-sh", ".txt");
    ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "--reads", "2")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("CORVID_SKIP_BUILD", "1");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process p = pb.start();
    try {
      assertThat(p.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("run.sh finished").isTrue();
      String out = Files.readString(log, StandardCharsets.UTF_8);
      System.out.print(out);
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).contains("setup: product 123 written to the database -> invalidated product:123")
          .contains("read 1: product:123 miss -> loaded from database (database queries so far: 1)")
          .contains("read 2: product:123 hit (database queries so far: 1)")
          .contains("update: product 123 renamed to 'Even Awesomer Gadget' in the database -> invalidated product:123")
          .contains("read 3: product:123 miss -> reloaded from database (database queries so far: 2)")
          .contains("read 4: product:123 hit (database queries so far: 2)")
          .contains("summary: 4 reads -> 2 database queries; cache hits 2, misses 2, loads 2");
      Matcher m = STARTED.matcher(out);
      assertThat(m.find()).as(out).isTrue();
      long nodePid = Long.parseLong(m.group(1));
      assertThat(ProcessHandle.of(nodePid).map(ProcessHandle::isAlive).orElse(false)).as("the node run.sh started is stopped").isFalse();
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      deleteQuietly(log);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a temp file
    }
  }
}
