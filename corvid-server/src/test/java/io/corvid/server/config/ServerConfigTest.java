package io.corvid.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.storage.EvictionPolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

  @Test
  void memoryUnitsFollowRedisConf() throws Exception {
    assertThat(MemoryUnits.parse("0")).isZero();
    assertThat(MemoryUnits.parse("1234")).isEqualTo(1234);
    assertThat(MemoryUnits.parse("1k")).isEqualTo(1000);
    assertThat(MemoryUnits.parse("1kb")).isEqualTo(1024);
    assertThat(MemoryUnits.parse("1m")).isEqualTo(1_000_000);
    assertThat(MemoryUnits.parse("100mb")).isEqualTo(100L * 1024 * 1024);
    assertThat(MemoryUnits.parse("2G")).isEqualTo(2_000_000_000L);
    assertThat(MemoryUnits.parse("1GB")).isEqualTo(1024L * 1024 * 1024);
    for (String bad : List.of("", "-1", "1.5mb", "mb", "1tb", "12x", "99999999999999999999")) {
      assertThatThrownBy(() -> MemoryUnits.parse(bad)).as(bad).hasMessage("argument must be a memory value");
    }
    assertThat(MemoryUnits.compact(100L * 1024 * 1024)).isEqualTo("100mb");
    assertThat(MemoryUnits.human(1536)).isEqualTo("1.50K");
  }

  @Test
  void everyOptionHasItsDefault() {
    ServerConfig c = new ServerConfig();
    assertThat(c.port()).isEqualTo(ServerConfig.DEFAULT_PORT);
    assertThat(c.bind()).isEqualTo("127.0.0.1");
    assertThat(c.maxmemory()).isZero();
    assertThat(c.maxmemoryPolicy()).isEqualTo(EvictionPolicy.NOEVICTION);
    assertThat(c.maxclients()).isEqualTo(10_000);
    assertThat(c.protoMaxBulkLen()).isEqualTo(512L * 1024 * 1024);
    assertThat(c.clientQueryBufferLimit()).isEqualTo(1024L * 1024 * 1024);
    assertThat(c.hz()).isEqualTo(10);
    assertThat(c.configGet("client-output-buffer-limit").get("client-output-buffer-limit"))
        .isEqualTo("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    assertThat(c.options()).extracting(ServerConfig.Option::name).contains("port", "bind", "maxmemory", "maxmemory-policy",
        "requirepass", "databases", "maxclients", "proto-max-bulk-len", "client-query-buffer-limit", "client-output-buffer-limit",
        "timeout", "io-threads", "slowlog-log-slower-than", "slowlog-max-len", "lfu-log-factor", "lfu-decay-time", "hz");
  }

  @Test
  void configSetIsAllOrNothingAndNotifiesListeners() throws Exception {
    ServerConfig c = new ServerConfig();
    List<String> changed = new ArrayList<>();
    c.onChange(changed::add);
    c.configSet(List.of("maxmemory", "10mb", "hz", "1000"));
    assertThat(c.maxmemory()).isEqualTo(10L * 1024 * 1024);
    assertThat(c.hz()).isEqualTo(ServerConfig.MAX_HZ);
    assertThat(changed).containsExactly("maxmemory", "hz");
    assertThatThrownBy(() -> c.configSet(List.of("timeout", "5", "maxclients", "0")))
        .hasMessage("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive");
    assertThat(c.timeoutSeconds()).isZero();
    assertThat(c.respLimits().protoMaxBulkLen()).isEqualTo(c.protoMaxBulkLen());
    c.configSet(List.of("proto-max-bulk-len", "2mb", "client-query-buffer-limit", "4mb"));
    assertThat(c.respLimits().protoMaxBulkLen()).isEqualTo(2L * 1024 * 1024);
    assertThat(c.respLimits().maxRequestBytes()).isEqualTo(4L * 1024 * 1024);
  }

  @Test
  void configGetMatchesGlobsCaseInsensitively() {
    ServerConfig c = new ServerConfig();
    assertThat(c.configGet("MAXMEMORY*")).containsOnlyKeys("maxmemory", "maxmemory-policy");
    assertThat(c.configGet("*")).hasSize(c.options().size());
    assertThat(c.configGet("nothing")).isEmpty();
  }

  @Test
  void startupAllowsImmutableOptionsButConfigSetDoesNot() throws Exception {
    ServerConfig c = new ServerConfig();
    c.setAtStartup("databases", "4");
    assertThat(c.databases()).isEqualTo(4);
    assertThatThrownBy(() -> c.configSet(List.of("databases", "5"))).hasMessageEndingWith("can't set immutable config");
    assertThatThrownBy(() -> c.setAtStartup("nonsense", "1")).hasMessageContaining("Bad directive");
  }

  @Test
  void outputBufferLimitsParseLikeRedis() throws Exception {
    OutputBufferLimits l = OutputBufferLimits.DEFAULTS.with("normal 1mb 512kb 10 pubsub 0 0 0");
    assertThat(l.normal()).isEqualTo(new OutputBufferLimits.Limit(1024 * 1024, 512 * 1024, 10));
    assertThat(l.pubsub()).isEqualTo(OutputBufferLimits.Limit.NONE);
    assertThat(l.replica()).isEqualTo(OutputBufferLimits.DEFAULTS.replica());
    assertThatThrownBy(() -> l.with("normal 1 2")).hasMessage("Wrong number of arguments in buffer limit configuration.");
    assertThatThrownBy(() -> l.with("normal x 2 3")).hasMessage("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
  }

  @Test
  void configFileSplitsArgumentsLikeSdssplitargs() throws Exception {
    assertThat(ConfigFile.splitArgs("set key \"a b\" 'c d'")).containsExactly("set", "key", "a b", "c d");
    assertThat(ConfigFile.splitArgs("x \"\\x41\\n\"")).containsExactly("x", "A\n");
    assertThat(ConfigFile.splitArgs("x 'it\\'s'")).containsExactly("x", "it's");
    assertThat(ConfigFile.splitArgs("x \"unterminated")).isNull();
    assertThat(ConfigFile.splitArgs("x \"a\"b")).isNull();
    List<ConfigFile.Directive> d = ConfigFile.parse("""
        # comment
          maxmemory 1gb

        client-output-buffer-limit pubsub 32mb 8mb 60
        requirepass "with space"
        """);
    assertThat(d).extracting(ConfigFile.Directive::name).containsExactly("maxmemory", "client-output-buffer-limit", "requirepass");
    assertThat(d.get(1).value()).isEqualTo("pubsub 32mb 8mb 60");
    assertThat(d.get(2).value()).isEqualTo("with space");
    assertThat(d.get(2).line()).isEqualTo(5);
    assertThatThrownBy(() -> ConfigFile.parse("lonely\n")).hasMessageContaining("line 1");
  }

  /** corvid.conf at the repository root documents every option, with its default value. */
  @Test
  void referenceConfigListsEveryOptionWithItsDefault() throws Exception {
    java.nio.file.Path file = java.nio.file.Path.of("..", "corvid.conf");
    List<ConfigFile.Directive> directives = ConfigFile.read(file);
    ServerConfig defaults = new ServerConfig();
    ServerConfig loaded = new ServerConfig();
    for (ConfigFile.Directive d : directives) {
      loaded.setAtStartup(d.name(), d.value());
    }
    assertThat(directives).extracting(ConfigFile.Directive::name)
        .containsAll(defaults.options().stream().map(ServerConfig.Option::name).toList());
    for (ServerConfig.Option o : defaults.options()) {
      assertThat(loaded.option(o.name()).get()).as(o.name()).isEqualTo(o.get());
    }
  }
}
