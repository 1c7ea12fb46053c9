package io.corvid.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corvid.server.testing.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** redis-cli against a node, when redis-cli is installed (skipped otherwise). */
class RedisCliIT {
  static ServerProcess server;
  static String redisCli;

  @BeforeAll
  static void start() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path p = Path.of(dir, "redis-cli");
      if (Files.isExecutable(p)) {
        redisCli = p.toString();
        break;
      }
    }
    assumeTrue(redisCli != null, "redis-cli not installed");
    server = ServerProcess.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String cli(String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(redisCli, "-h", server.host(), "-p", Integer.toString(server.port())));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void commandsFromArguments() throws Exception {
    assertThat(cli(null, "PING").strip()).isEqualTo("PONG");
    assertThat(cli(null, "SET", "cli", "v").strip()).isEqualTo("OK");
    assertThat(cli(null, "GET", "cli").strip()).isEqualTo("v");
    assertThat(cli(null, "NOSUCH", "x").strip()).isEqualTo("ERR unknown command 'NOSUCH', with args beginning with: 'x'");
    assertThat(cli(null, "INFO", "server")).contains("redis_version:");
    assertThat(cli(null, "CONFIG", "GET", "maxmemory-policy")).contains("noeviction");
    assertThat(cli(null, "--no-raw", "CLIENT", "LIST")).contains("addr=127.0.0.1:");
  }

  @Test
  void pipedCommandsAndResp3() throws Exception {
    String out = cli("SET a 1\nINCR a\nGET a\nMULTI\nINCR a\nEXEC\n");
    assertThat(out.lines().toList()).containsExactly("OK", "2", "2", "OK", "QUEUED", "3");
    String hello = cli(null, "-3", "HELLO", "3");
    assertThat(hello).contains("proto").contains("3");
  }

  @Test
  void repeatedCommands() throws Exception {
    assertThat(cli(null, "-r", "3", "PING").lines().toList()).containsExactly("PONG", "PONG", "PONG");
  }
}
