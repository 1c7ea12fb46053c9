package io.corvid.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.command.CommandSpec;
import io.corvid.server.config.ServerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the dispatcher times commands for commandstats and the slow log (Dispatcher's "Fast
 * commands are timed as a group"): small fast commands of a pipeline share one clock read, a fast
 * command with a big reply and every other command are timed on their own, and with
 * {@code slowlog-log-slower-than 0} every command is.
 */
class CommandTimingTest {
  private EmbeddedNode embedded;
  private Node node;
  private EmbeddedChannel channel;

  @BeforeEach
  void setUp() {
    embedded = new EmbeddedNode(new ServerConfig());
    node = embedded.node;
    channel = embedded.channel;
  }

  @AfterEach
  void tearDown() {
    embedded.close();
  }

  private static String request(String... command) {
    return EmbeddedNode.request(command);
  }

  /** Sends one read's worth of pipelined requests and returns the reply bytes. */
  private long pipeline(String requests) {
    byte[] bytes = requests.getBytes(StandardCharsets.US_ASCII);
    channel.writeInbound(PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes));
    long replyBytes = 0;
    ByteBuf out;
    while ((out = channel.readOutbound()) != null) {
      replyBytes += out.readableBytes();
      out.release();
    }
    return replyBytes;
  }

  private void config(String name, String value) {
    pipeline(request("CONFIG", "SET", name, value));
  }

  private List<String> slowLogCommands() {
    return node.slowLog().newest(Long.MAX_VALUE).stream()
        .map(e -> new String(e.args().get(0), StandardCharsets.US_ASCII) + " "
            + new String(e.args().get(1), StandardCharsets.US_ASCII))
        .toList();
  }

  @Test
  void everyCommandIsCountedAndGroupedTimeIsSharedOut() {
    CommandSpec get = node.commands().byName("get");
    CommandSpec set = node.commands().byName("set");
    String small = request("SET", "k", "v") + request("GET", "k").repeat(40) + request("GET", "missing");
    long before = get.calls();
    for (int i = 0; i < 50; i++) {
      pipeline(small);
    }
    assertThat(get.calls() - before).isEqualTo(50 * 41);
    assertThat(set.calls()).isEqualTo(50);
    assertThat(get.failedCalls()).isZero();
    // 2,100 GETs and SETs take well over a microsecond in total; each alone takes less than one,
    // which a per-command clock truncated to 0
    assertThat(get.micros() + set.micros()).isPositive();
    assertThat(node.commandsProcessed()).isEqualTo(50 * 42);
  }

  @Test
  void aFastCommandWithABigReplyIsTimedOnItsOwnForTheSlowLog() {
    config("slowlog-log-slower-than", "1");
    String big = "x".repeat(4 * 1024 * 1024);
    pipeline(request("SET", "big", big));
    node.slowLog().reset();
    // copying 4 MiB into the reply takes far more than 1 us; the small GETs before it do not
    // reach the slow log on their own (their group ends with the big GET)
    pipeline(request("GET", "small") + request("GET", "small") + request("GET", "big") + request("GET", "small"));
    assertThat(slowLogCommands()).contains("GET big").doesNotContain("GET small");
  }

  @Test
  void withSlowlogLogSlowerThanZeroEveryCommandIsTimedAndLoggedOnItsOwn() {
    config("slowlog-log-slower-than", "0");
    node.slowLog().reset();
    pipeline(request("GET", "a") + request("GET", "b") + request("SET", "c", "1") + request("GET", "d"));
    assertThat(slowLogCommands()).containsExactly("GET d", "SET c", "GET b", "GET a");
  }

  @Test
  void aCommandThatIsNotFastIsTimedOnItsOwn() {
    config("slowlog-log-slower-than", "1");
    node.slowLog().reset();
    StringBuilder keys = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      keys.append(request("SET", "key:" + i, "v"));
    }
    pipeline(keys.toString());
    // KEYS over 20,000 keys is not a fast command and takes far more than 1 us
    pipeline(request("GET", "a") + request("KEYS", "*") + request("GET", "b"));
    assertThat(slowLogCommands()).contains("KEYS *").doesNotContain("GET a", "GET b");
  }
}
