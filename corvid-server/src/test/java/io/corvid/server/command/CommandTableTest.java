package io.corvid.server.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The command table as loaded from the real metadata files and groups. */
class CommandTableTest {
  private static final CommandTable TABLE = CommandTable.load();

  private static CommandSpec find(String name) {
    byte[] b = ("xx" + name + "yy").getBytes(StandardCharsets.US_ASCII);
    return TABLE.find(b, 2, b.length - 4);
  }

  @Test
  void lookupIgnoresCaseAndWorksOnSlices() {
    assertThat(find("get").name()).isEqualTo("get");
    assertThat(find("GeT").name()).isEqualTo("get");
    assertThat(find("PUBLISH").name()).isEqualTo("publish");
    assertThat(find("ge")).isNull();
    assertThat(find("gett")).isNull();
    assertThat(find("")).isNull();
    assertThat(find("\u00e9t\u00e9")).isNull();
  }

  @Test
  void containersResolveSubcommands() {
    CommandSpec client = find("client");
    assertThat(client.isContainer()).isTrue();
    byte[] id = "Id".getBytes(StandardCharsets.US_ASCII);
    assertThat(client.subcommands().find(id, 0, id.length).name()).isEqualTo("client|id");
    assertThat(TABLE.byName("CONFIG|GET").arity()).isEqualTo(-3);
  }

  @Test
  void everyCommandHasAnImplementationOrSubcommands() {
    for (CommandSpec s : TABLE.all()) {
      assertThat(s.implementation() != null || s.isContainer()).as(s.name()).isTrue();
      assertThat(s.arity()).as(s.name()).isNotZero();
    }
  }

  @Test
  void flagsComeFromMetadata() {
    assertThat(TABLE.byName("set").has(CommandSpec.FLAG_DENYOOM)).isTrue();
    assertThat(TABLE.byName("get").has(CommandSpec.FLAG_DENYOOM)).isFalse();
    assertThat(TABLE.byName("auth").has(CommandSpec.FLAG_NO_AUTH)).isTrue();
    assertThat(TABLE.byName("shutdown").has(CommandSpec.FLAG_NO_MULTI)).isTrue();
    assertThat(TABLE.byName("exec").has(CommandSpec.FLAG_NOT_QUEUED)).isTrue();
    assertThat(TABLE.byName("psubscribe").has(CommandSpec.FLAG_ALLOWED_IN_SUBSCRIBE)).isTrue();
    assertThat(TABLE.byName("get").has(CommandSpec.FLAG_ALLOWED_IN_SUBSCRIBE)).isFalse();
  }
}
