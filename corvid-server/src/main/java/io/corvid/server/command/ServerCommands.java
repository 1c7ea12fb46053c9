package io.corvid.server.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.corvid.server.ClientConnection;
import io.corvid.server.Info;
import io.corvid.server.Node;
import io.corvid.server.SlowLog;
import io.corvid.server.config.ConfigException;
import io.corvid.server.util.GlobMatcher;
import io.corvid.storage.Keyspace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Server commands: INFO, CONFIG, COMMAND, TIME, MEMORY, OBJECT, SLOWLOG, SHUTDOWN, DEBUG.
 */
public final class ServerCommands {
  private ServerCommands() {}

  static final String LFU_NOT_SELECTED = "ERR An LFU maxmemory policy is not selected, access frequency not tracked."
      + " Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
  static final String LFU_SELECTED = "ERR An LFU maxmemory policy is selected, idle time not tracked."
      + " Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
  private static final int LOOKUP_QUIET = Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS;
  /** SLOWLOG GET without a count returns this many entries, as Redis. */
  static final int SLOWLOG_DEFAULT_GET = 10;
  /** DEBUG SLEEP is for tests; it holds the node lock, so it is capped. */
  static final double DEBUG_SLEEP_MAX_SECONDS = 60;

  public static void register(CommandRegistry registry) {
    registry.register("info", ServerCommands::info);
    registry.register("config|get", ServerCommands::configGet);
    registry.register("config|set", ServerCommands::configSet);
    registry.register("config|resetstat", ctx -> {
      node(ctx).resetStats();
      node(ctx).slowLog().reset();
      ctx.replyOk();
    });
    registry.register("config|help", ctx -> ConnectionCommands.help(ctx, "CONFIG",
        "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
        "RESETSTAT", "    Reset statistics reported by the INFO command."));
    registry.register("command", ctx -> {
      List<CommandSpec> all = node(ctx).commands().topLevel();
      ctx.replyArrayHeader(all.size());
      all.forEach(s -> commandInfo(ctx, s));
    });
    registry.register("command|count", ctx -> ctx.replyInteger(node(ctx).commands().topLevel().size()));
    registry.register("command|info", ServerCommands::commandInfos);
    registry.register("command|docs", ServerCommands::commandDocs);
    registry.register("command|list", ServerCommands::commandList);
    registry.register("command|help", ctx -> ConnectionCommands.help(ctx, "COMMAND",
        "(no subcommand)", "    Return details about all Redis commands.",
        "COUNT", "    Return the total number of commands in this Redis server.",
        "LIST", "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all", "    commands are returned.",
        "DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all", "    commands are returned."));
    registry.register("time", ctx -> {
      long micros = ctx.clock().currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
      ctx.replyArrayHeader(2);
      ctx.replyBulk(Long.toString(micros / 1_000_000));
      ctx.replyBulk(Long.toString(micros % 1_000_000));
    });
    registry.register("memory|usage", ServerCommands::memoryUsage);
    registry.register("memory|help", ctx -> ConnectionCommands.help(ctx, "MEMORY",
        "USAGE <key> [SAMPLES <count>]", "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all)."));
    registry.register("object|encoding", ctx -> {
      long ref = lookup(ctx);
      if (ref != Keyspace.NONE) {
        ctx.replyBulk(ctx.keyspace().encoding(ref));
      }
    });
    registry.register("object|freq", ctx -> {
      if (!node(ctx).config().maxmemoryPolicy().isLfu()) {
        throw new CommandException(LFU_NOT_SELECTED);
      }
      long ref = lookup(ctx);
      if (ref != Keyspace.NONE) {
        ctx.replyInteger(ctx.keyspace().lfuFrequency(ref));
      }
    });
    registry.register("object|idletime", ctx -> {
      if (node(ctx).config().maxmemoryPolicy().isLfu()) {
        throw new CommandException(LFU_SELECTED);
      }
      long ref = lookup(ctx);
      if (ref != Keyspace.NONE) {
        ctx.replyInteger(ctx.keyspace().idleMillis(ref) / 1000);
      }
    });
    registry.register("object|refcount", ctx -> {
      if (lookup(ctx) != Keyspace.NONE) {
        ctx.replyInteger(1);
      }
    });
    registry.register("object|help", ctx -> ConnectionCommands.help(ctx, "OBJECT",
        "ENCODING <key>", "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>", "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>", "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>", "    Return the number of references of the value associated with the specified",
        "    <key>."));
    registry.register("slowlog|get", ServerCommands::slowlogGet);
    registry.register("slowlog|len", ctx -> ctx.replyInteger(node(ctx).slowLog().size()));
    registry.register("slowlog|reset", ctx -> {
      node(ctx).slowLog().reset();
      ctx.replyOk();
    });
    registry.register("slowlog|help", ctx -> ConnectionCommands.help(ctx, "SLOWLOG",
        "GET [<count>]", "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:", "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN", "    Return the length of the slowlog.",
        "RESET", "    Reset the slowlog."));
    registry.register("shutdown", ServerCommands::shutdown);
    registry.register("debug", ServerCommands::debug);
  }

  static Node node(CommandContext ctx) {
    return ((ClientConnection) ctx).server();
  }

  /** Looks up argument 2 without touching it; replies null when absent and returns NONE. */
  private static long lookup(CommandContext ctx) {
    var r = ctx.request();
    long ref = ctx.keyspace().lookup(ctx.db(), r.buffer(), r.offset(2), r.length(2), LOOKUP_QUIET);
    if (ref == Keyspace.NONE) {
      ctx.replyNull();
    }
    return ref;
  }

  // ---------------------------------------------------------------- INFO

  private static void info(CommandContext ctx) {
    List<String> sections = new ArrayList<>();
    for (int i = 1; i < ctx.argc(); i++) {
      sections.add(ctx.request().string(i));
    }
    ClientConnection c = (ClientConnection) ctx;
    c.replyVerbatim(Info.build(c.server(), c, Info.sections(sections)));
  }

  // ---------------------------------------------------------------- CONFIG

  private static void configGet(CommandContext ctx) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 2; i < ctx.argc(); i++) {
      out.putAll(node(ctx).config().configGet(ctx.request().string(i)));
    }
    ctx.replyMapHeader(out.size());
    out.forEach((k, v) -> {
      ctx.replyBulk(k);
      ctx.replyBulk(v);
    });
  }

  private static void configSet(CommandContext ctx) {
    if ((ctx.argc() - 2) % 2 != 0) {
      throw new CommandException(Errors.wrongArity("config|set"));
    }
    List<String> pairs = new ArrayList<>();
    for (int i = 2; i < ctx.argc(); i++) {
      pairs.add(ctx.request().string(i));
    }
    try {
      node(ctx).config().configSet(pairs);
    } catch (ConfigException e) {
      throw new CommandException(e.getMessage());
    }
    ctx.replyOk();
  }

  // ---------------------------------------------------------------- COMMAND

  private static void commandInfos(CommandContext ctx) {
    CommandTable t = node(ctx).commands();
    if (ctx.argc() == 2) {
      List<CommandSpec> all = t.topLevel();
      ctx.replyArrayHeader(all.size());
      all.forEach(s -> commandInfo(ctx, s));
      return;
    }
    ctx.replyArrayHeader(ctx.argc() - 2);
    for (int i = 2; i < ctx.argc(); i++) {
      CommandSpec s = t.byName(ctx.request().string(i));
      if (s == null) {
        ctx.replyNullArray();
      } else {
        commandInfo(ctx, s);
      }
    }
  }

  /** One COMMAND entry, Redis 7 layout: name, arity, flags, first, last, step, ACL categories, tips, key specs, subcommands. */
  static void commandInfo(CommandContext ctx, CommandSpec s) {
    ctx.replyArrayHeader(10);
    ctx.replyBulk(s.name());
    ctx.replyInteger(s.arity());
    ctx.replySetHeader(s.flagNames().size());
    s.flagNames().forEach(ctx::replySimple);
    ctx.replyInteger(s.firstKey());
    ctx.replyInteger(s.lastKey());
    ctx.replyInteger(s.keyStep());
    ctx.replySetHeader(s.aclCategories().size());
    s.aclCategories().forEach(ctx::replySimple);
    ctx.replySetHeader(0); // tips
    keySpecs(ctx, s);
    List<CommandSpec> subs = s.isContainer() ? s.subcommands().all() : List.of();
    ctx.replyArrayHeader(subs.size());
    subs.forEach(sub -> commandInfo(ctx, sub));
  }

  /** Key specs derived from first/last/step: an index begin-search and a range find-keys. */
  private static void keySpecs(CommandContext ctx, CommandSpec s) {
    if (s.firstKey() <= 0) {
      ctx.replyArrayHeader(0);
      return;
    }
    ctx.replyArrayHeader(1);
    ctx.replyMapHeader(3);
    ctx.replyBulk("flags");
    List<String> flags = s.has(CommandSpec.FLAG_WRITE) ? List.of("RW", "update") : List.of("RO", "access");
    ctx.replySetHeader(flags.size());
    flags.forEach(ctx::replySimple);
    ctx.replyBulk("begin_search");
    ctx.replyMapHeader(2);
    ctx.replyBulk("type");
    ctx.replyBulk("index");
    ctx.replyBulk("spec");
    ctx.replyMapHeader(1);
    ctx.replyBulk("index");
    ctx.replyInteger(s.firstKey());
    ctx.replyBulk("find_keys");
    ctx.replyMapHeader(2);
    ctx.replyBulk("type");
    ctx.replyBulk("range");
    ctx.replyBulk("spec");
    ctx.replyMapHeader(3);
    ctx.replyBulk("lastkey");
    ctx.replyInteger(s.lastKey() < 0 ? s.lastKey() : s.lastKey() - s.firstKey());
    ctx.replyBulk("keystep");
    ctx.replyInteger(s.keyStep());
    ctx.replyBulk("limit");
    ctx.replyInteger(0);
  }

  private static void commandDocs(CommandContext ctx) {
    CommandTable t = node(ctx).commands();
    List<CommandSpec> specs = new ArrayList<>();
    if (ctx.argc() == 2) {
      specs.addAll(t.topLevel());
    } else {
      for (int i = 2; i < ctx.argc(); i++) {
        CommandSpec s = t.byName(ctx.request().string(i));
        if (s != null) {
          specs.add(s);
        }
      }
    }
    ctx.replyMapHeader(specs.size());
    for (CommandSpec s : specs) {
      ctx.replyBulk(s.name());
      commandDoc(ctx, s);
    }
  }

  /** COMMAND DOCS for one command: summary, since, group, complexity, [history], [arguments], [subcommands]. */
  private static void commandDoc(CommandContext ctx, CommandSpec s) {
    JsonNode d = s.doc();
    List<String> plain = new ArrayList<>();
    for (String f : List.of("summary", "since", "group", "complexity")) {
      if (d.hasNonNull(f)) {
        plain.add(f);
      }
    }
    JsonNode args = d.get("arguments");
    boolean hasArgs = args != null && args.isArray() && !args.isEmpty();
    boolean hasSubs = s.isContainer();
    ctx.replyMapHeader(plain.size() + (hasArgs ? 1 : 0) + (hasSubs ? 1 : 0));
    for (String f : plain) {
      ctx.replyBulk(f);
      ctx.replyBulk(d.get(f).asText());
    }
    if (hasArgs) {
      ctx.replyBulk("arguments");
      arguments(ctx, args);
    }
    if (hasSubs) {
      ctx.replyBulk("subcommands");
      List<CommandSpec> subs = s.subcommands().all();
      ctx.replyMapHeader(subs.size());
      for (CommandSpec sub : subs) {
        ctx.replyBulk(sub.name());
        commandDoc(ctx, sub);
      }
    }
  }

  private static void arguments(CommandContext ctx, JsonNode args) {
    ctx.replyArrayHeader(args.size());
    for (JsonNode a : args) {
      List<String> flags = new ArrayList<>();
      for (String f : List.of("optional", "multiple", "multiple_token")) {
        if (a.path(f).asBoolean(false)) {
          flags.add(f);
        }
      }
      List<String> fields = new ArrayList<>();
      for (String f : List.of("name", "type", "display_text", "key_spec_index", "token", "summary", "since", "deprecated_since")) {
        if (a.hasNonNull(f)) {
          fields.add(f);
        }
      }
      JsonNode nested = a.get("arguments");
      boolean hasNested = nested != null && nested.isArray() && !nested.isEmpty();
      ctx.replyMapHeader(fields.size() + (flags.isEmpty() ? 0 : 1) + (hasNested ? 1 : 0));
      for (String f : fields) {
        ctx.replyBulk(f);
        if (f.equals("key_spec_index")) {
          ctx.replyInteger(a.get(f).asInt());
        } else {
          ctx.replyBulk(a.get(f).asText());
        }
      }
      if (!flags.isEmpty()) {
        ctx.replyBulk("flags");
        ctx.replySetHeader(flags.size());
        flags.forEach(ctx::replySimple);
      }
      if (hasNested) {
        ctx.replyBulk("arguments");
        arguments(ctx, nested);
      }
    }
  }

  private static void commandList(CommandContext ctx) {
    String aclcat = null;
    String pattern = null;
    boolean moduleFilter = false;
    if (ctx.argc() == 5 && ctx.argUpper(2).equals("FILTERBY")) {
      String by = ctx.argUpper(3);
      switch (by) {
        case "ACLCAT" -> aclcat = "@" + ctx.request().string(4).toLowerCase(Locale.ROOT);
        case "PATTERN" -> pattern = ctx.request().string(4);
        case "MODULE" -> moduleFilter = true;
        default -> throw new CommandException(Errors.SYNTAX);
      }
    } else if (ctx.argc() != 2) {
      throw new CommandException(Errors.SYNTAX);
    }
    List<String> names = new ArrayList<>();
    if (!moduleFilter) {
      for (CommandSpec s : node(ctx).commands().all()) {
        if (aclcat != null && !s.aclCategories().contains(aclcat)) {
          continue;
        }
        if (pattern != null && !GlobMatcher.matches(pattern, s.name(), true)) {
          continue;
        }
        names.add(s.name());
      }
    }
    ctx.replyArrayHeader(names.size());
    names.forEach(ctx::replyBulk);
  }

  // ---------------------------------------------------------------- MEMORY, SLOWLOG

  private static void memoryUsage(CommandContext ctx) {
    if (ctx.argc() != 3) {
      if (ctx.argc() != 5 || !ctx.argUpper(3).equals("SAMPLES")) {
        throw new CommandException(Errors.SYNTAX);
      }
      if (ctx.argLong(4) < 0) {
        throw new CommandException(Errors.SYNTAX);
      }
    }
    long ref = lookup(ctx);
    if (ref != Keyspace.NONE) {
      ctx.replyInteger(ctx.keyspace().memoryUsage(ref));
    }
  }

  private static void slowlogGet(CommandContext ctx) {
    long count = SLOWLOG_DEFAULT_GET;
    if (ctx.argc() == 3) {
      try {
        count = ctx.argLong(2);
      } catch (CommandException e) {
        throw new CommandException("ERR count should be greater than or equal to -1");
      }
      if (count < -1) {
        throw new CommandException("ERR count should be greater than or equal to -1");
      }
      if (count == -1) {
        count = Long.MAX_VALUE;
      }
    } else if (ctx.argc() > 3) {
      throw new CommandException(Errors.wrongArity("slowlog|get"));
    }
    List<SlowLog.Entry> entries = node(ctx).slowLog().newest(count);
    ctx.replyArrayHeader(entries.size());
    for (SlowLog.Entry e : entries) {
      ctx.replyArrayHeader(6);
      ctx.replyInteger(e.id());
      ctx.replyInteger(e.unixSeconds());
      ctx.replyInteger(e.micros());
      ctx.replyArrayHeader(e.args().size());
      e.args().forEach(ctx::replyBulk);
      ctx.replyBulk(e.peer());
      ctx.replyBulk(e.clientName());
    }
  }

  // ---------------------------------------------------------------- SHUTDOWN, DEBUG

  private static void shutdown(CommandContext ctx) {
    boolean abort = false;
    for (int i = 1; i < ctx.argc(); i++) {
      switch (ctx.argUpper(i)) {
        case "NOSAVE", "SAVE", "NOW", "FORCE" -> { }
        case "ABORT" -> abort = true;
        default -> throw new CommandException(Errors.SYNTAX);
      }
    }
    if (abort) {
      if (ctx.argc() != 2) {
        throw new CommandException(Errors.SYNTAX);
      }
      throw new CommandException("ERR No shutdown in progress.");
    }
    ClientConnection c = (ClientConnection) ctx;
    c.server().requestShutdown("User requested shutdown from client id=" + c.clientId() + " addr=" + c.peer());
  }

  private static void debug(CommandContext ctx) {
    String sub = ctx.argUpper(1);
    if (sub.equals("SLEEP") && ctx.argc() == 3) {
      double seconds = ctx.argDouble(2);
      if (seconds < 0 || seconds > DEBUG_SLEEP_MAX_SECONDS) {
        throw new CommandException("ERR DEBUG SLEEP takes 0.." + (int) DEBUG_SLEEP_MAX_SECONDS + " seconds in Corvid");
      }
      try {
        Thread.sleep((long) (seconds * 1000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ctx.replyOk();
      return;
    }
    if (sub.equals("HELP")) {
      ConnectionCommands.help(ctx, "DEBUG", "SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed.");
      return;
    }
    throw new CommandException(Errors.unknownSubcommand(ctx.request().string(1), "DEBUG"));
  }
}
