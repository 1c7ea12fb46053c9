package io.corvid.server.command;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The command table: metadata loaded from the group JSON files (resources
 * io/corvid/server/commands/*.json, format in the README there) bound to the implementations the
 * groups register. The dispatcher, COMMAND, COMMAND INFO/DOCS/COUNT/LIST all read this one table.
 *
 * <p>Startup fails when an implementation has no metadata or leaf metadata has no implementation,
 * so the two can never drift apart.
 */
public final class CommandTable implements CommandRegistry {
  /** Group files, in the order COMMAND lists them. A file that is absent contributes nothing. */
  public static final List<String> GROUP_FILES = List.of(
      "connection.json", "server.json", "pubsub.json", "transactions.json", "string.json", "keys.json", "hash.json",
      "dump.json", "backingstore.json", "cluster.json", "replication.json");
  private static final String RESOURCE_DIR = "/io/corvid/server/commands/";

  private final Map<String, CommandSpec> byName = new LinkedHashMap<>();
  private final Map<String, Command> registered = new LinkedHashMap<>();
  private CommandLookup top;

  private CommandTable() {}

  /** Loads every group file and every group's implementations. */
  public static CommandTable load() {
    CommandTable t = new CommandTable();
    ObjectMapper json = JsonMapper.builder().enable(JsonReadFeature.ALLOW_JAVA_COMMENTS).build();
    for (String file : GROUP_FILES) {
      try (InputStream in = CommandTable.class.getResourceAsStream(RESOURCE_DIR + file)) {
        if (in == null) {
          continue;
        }
        JsonNode root = json.readTree(in);
        if (!root.isArray()) {
          throw new IllegalStateException(file + ": expected a JSON array of commands");
        }
        for (JsonNode entry : root) {
          t.addSpec(entry, null, file);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading command metadata " + file, e);
      }
    }
    CommandGroups.registerAll(t);
    t.bind();
    return t;
  }

  private CommandSpec addSpec(JsonNode e, CommandSpec container, String file) {
    String name = text(e, "name", null);
    if (name == null) {
      throw new IllegalStateException(file + ": command without a name: " + e);
    }
    name = name.toLowerCase(Locale.ROOT);
    if (container != null && !name.startsWith(container.name() + "|")) {
      throw new IllegalStateException(file + ": subcommand " + name + " must be named " + container.name() + "|...");
    }
    if (byName.containsKey(name)) {
      throw new IllegalStateException(file + ": duplicate command " + name);
    }
    if (!e.has("arity")) {
      throw new IllegalStateException(file + ": " + name + " has no arity");
    }
    CommandSpec spec = new CommandSpec(name, e.get("arity").asInt(), strings(e.get("flags")), strings(e.get("acl_categories")),
        e.path("first_key").asInt(0), e.path("last_key").asInt(0), e.path("key_step").asInt(0), e, container);
    byName.put(name, spec);
    JsonNode subs = e.get("subcommands");
    if (subs != null && subs.isArray() && !subs.isEmpty()) {
      List<CommandSpec> children = new ArrayList<>();
      for (JsonNode s : subs) {
        children.add(addSpec(s, spec, file));
      }
      spec.setSubcommands(new CommandLookup(children));
    }
    return spec;
  }

  @Override
  public void register(String name, Command command) {
    String n = name.toLowerCase(Locale.ROOT);
    if (registered.put(n, command) != null) {
      throw new IllegalStateException("command registered twice: " + n);
    }
  }

  private void bind() {
    registered.forEach((name, cmd) -> {
      CommandSpec spec = byName.get(name);
      if (spec == null) {
        throw new IllegalStateException("command '" + name + "' is implemented but has no metadata in " + GROUP_FILES);
      }
      spec.setImplementation(cmd);
    });
    List<CommandSpec> tops = new ArrayList<>();
    for (CommandSpec s : byName.values()) {
      if (s.implementation() == null && !s.isContainer()) {
        throw new IllegalStateException("command '" + s.name() + "' has metadata but no implementation");
      }
      if (s.container() == null) {
        tops.add(s);
      }
    }
    top = new CommandLookup(tops);
  }

  /** The top-level command named by the slice, any case; null when unknown. */
  public CommandSpec find(byte[] buf, int off, int len) {
    return top.find(buf, off, len);
  }

  /** A command by its full lower-case name ("get", "client|id"); null when unknown. */
  public CommandSpec byName(String name) {
    return byName.get(name.toLowerCase(Locale.ROOT));
  }

  /** Top-level commands (containers included), in load order. */
  public List<CommandSpec> topLevel() {
    return top.all();
  }

  /** Every command including subcommands. */
  public List<CommandSpec> all() {
    return List.copyOf(byName.values());
  }

  private static String text(JsonNode n, String field, String dflt) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? dflt : v.asText();
  }

  private static List<String> strings(JsonNode arr) {
    List<String> out = new ArrayList<>();
    if (arr != null && arr.isArray()) {
      arr.forEach(x -> out.add(x.asText()));
    }
    return out;
  }
}
