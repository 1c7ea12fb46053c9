package io.corvid.server.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The metadata JSON of the string, key and hash groups matches what the groups register. */
class CommandMetadataTest {
  final CommandHarness h = new CommandHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void everyRegisteredCommandHasMetadataAndViceVersa() {
    assertThat(h.metadata.keySet()).isEqualTo(h.commands().keySet());
    assertThat(h.commands()).hasSize(61);
  }

  @Test
  void entriesAreWellFormed() {
    Set<String> names = new HashSet<>();
    for (String group : CommandHarness.GROUPS) {
      for (JsonNode e : CommandHarness.loadMetadata(group)) {
        String name = e.get("name").asText();
        assertThat(names.add(name)).as("duplicate " + name).isTrue();
        assertThat(name).isLowerCase();
        for (String field : new String[] {"summary", "since", "group", "complexity", "arity", "flags", "acl_categories",
            "first_key", "last_key", "key_step", "arguments"}) {
          assertThat(e.has(field)).as(name + " has " + field).isTrue();
        }
        Set<String> flags = new HashSet<>();
        e.get("flags").forEach(f -> flags.add(f.asText()));
        assertThat(flags.contains("write") ^ flags.contains("readonly")).as(name + " is write xor readonly").isTrue();
        e.get("acl_categories").forEach(c -> assertThat(c.asText()).startsWith("@"));
        int first = e.get("first_key").asInt();
        int last = e.get("last_key").asInt();
        int step = e.get("key_step").asInt();
        if (first == 0) {
          assertThat(last).isZero();
          assertThat(step).isZero();
        } else {
          assertThat(step).isPositive();
          assertThat(last == -1 || last >= first).isTrue();
        }
        e.get("arguments").forEach(a -> assertThat(a.has("name") && a.has("type")).isTrue());
      }
    }
  }

  @Test
  void valuesMatchRedisSeven() {
    Map<String, JsonNode> m = h.metadata;
    assertThat(m.get("get").get("arity").asInt()).isEqualTo(2);
    assertThat(m.get("set").get("arity").asInt()).isEqualTo(-3);
    assertThat(m.get("hset").get("arity").asInt()).isEqualTo(-4);
    assertThat(m.get("mset").get("key_step").asInt()).isEqualTo(2);
    assertThat(m.get("mset").get("last_key").asInt()).isEqualTo(-1);
    assertThat(m.get("rename").get("last_key").asInt()).isEqualTo(2);
    assertThat(m.get("scan").get("first_key").asInt()).isZero();
    assertThat(m.get("get").get("flags").toString()).isEqualTo("[\"readonly\",\"fast\"]");
    assertThat(m.get("set").get("flags").toString()).isEqualTo("[\"write\",\"denyoom\"]");
    assertThat(m.get("incr").get("flags").toString()).isEqualTo("[\"write\",\"denyoom\",\"fast\"]");
    assertThat(m.get("del").get("acl_categories").toString()).isEqualTo("[\"@keyspace\",\"@write\",\"@slow\"]");
    assertThat(m.get("hscan").get("arguments").toString()).contains("NOVALUES");
    assertThat(m.get("scan").get("command_tips").toString())
        .isEqualTo("[\"nondeterministic_output\",\"request_policy:special\"]");
    assertThat(m.get("copy").get("key_specs").toString()).isEqualTo(
        "[{\"flags\":[\"RO\",\"access\"],\"begin_search\":{\"index\":{\"pos\":1}},\"find_keys\":{\"range\":{\"lastkey\":0,\"step\":1,\"limit\":0}}},"
            + "{\"flags\":[\"OW\",\"update\"],\"begin_search\":{\"index\":{\"pos\":2}},\"find_keys\":{\"range\":{\"lastkey\":0,\"step\":1,\"limit\":0}}}]");
    assertThat(m.get("get").has("command_tips")).isFalse();
  }
}
