package io.corvid.server.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * One command's metadata (from the group JSON files) bound to its implementation, plus its
 * commandstats counters. Counters are plain fields: they are only touched with the node lock held.
 */
public final class CommandSpec {
  public static final int FLAG_WRITE = 1;
  public static final int FLAG_READONLY = 1 << 1;
  public static final int FLAG_DENYOOM = 1 << 2;
  public static final int FLAG_ADMIN = 1 << 3;
  public static final int FLAG_PUBSUB = 1 << 4;
  public static final int FLAG_NO_AUTH = 1 << 5;
  public static final int FLAG_NO_MULTI = 1 << 6;
  public static final int FLAG_FAST = 1 << 7;
  /** Allowed while a RESP2 connection is in subscribed state (PING, QUIT, RESET, (P)(UN)SUBSCRIBE). */
  public static final int FLAG_ALLOWED_IN_SUBSCRIBE = 1 << 8;
  /** Executes right away inside MULTI instead of being queued (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET). */
  public static final int FLAG_NOT_QUEUED = 1 << 9;

  private final String name;
  private final byte[] nameBytes;
  private final int arity;
  private final List<String> flagNames;
  private final int flags;
  private final List<String> aclCategories;
  private final int firstKey;
  private final int lastKey;
  private final int keyStep;
  private final JsonNode doc;
  private final CommandSpec container;
  private CommandLookup subcommands;
  private Command implementation;

  // commandstats; guarded by the node lock
  long calls;
  long micros;
  long rejectedCalls;
  long failedCalls;

  CommandSpec(String name, int arity, List<String> flagNames, List<String> aclCategories, int firstKey, int lastKey,
      int keyStep, JsonNode doc, CommandSpec container) {
    this.name = name;
    this.nameBytes = name.getBytes(StandardCharsets.US_ASCII);
    this.arity = arity;
    this.flagNames = List.copyOf(flagNames);
    this.aclCategories = List.copyOf(aclCategories);
    this.firstKey = firstKey;
    this.lastKey = lastKey;
    this.keyStep = keyStep;
    this.doc = doc;
    this.container = container;
    int f = 0;
    for (String fl : flagNames) {
      f |= switch (fl.toLowerCase(Locale.ROOT)) {
        case "write" -> FLAG_WRITE;
        case "readonly" -> FLAG_READONLY;
        case "denyoom" -> FLAG_DENYOOM;
        case "admin" -> FLAG_ADMIN;
        case "pubsub" -> FLAG_PUBSUB;
        case "no_auth" -> FLAG_NO_AUTH;
        case "no_multi" -> FLAG_NO_MULTI;
        case "fast" -> FLAG_FAST;
        default -> 0;
      };
    }
    String top = container == null ? name : container.name;
    if (container == null && List.of("subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ping", "quit", "reset",
        "ssubscribe", "sunsubscribe").contains(name)) {
      f |= FLAG_ALLOWED_IN_SUBSCRIBE;
    }
    if (List.of("exec", "discard", "multi", "watch", "quit", "reset").contains(top)) {
      f |= FLAG_NOT_QUEUED;
    }
    this.flags = f;
  }

  /** Lower case, "get" or "client|id". */
  public String name() { return name; }

  /** Lower-case ASCII bytes of the (sub)command's own name ("id" for "client|id"). */
  byte[] lookupBytes() {
    if (container == null) {
      return nameBytes;
    }
    return name.substring(name.indexOf('|') + 1).getBytes(StandardCharsets.US_ASCII);
  }

  public int arity() { return arity; }
  public List<String> flagNames() { return flagNames; }
  public boolean has(int flag) { return (flags & flag) != 0; }
  public List<String> aclCategories() { return aclCategories; }
  public int firstKey() { return firstKey; }
  public int lastKey() { return lastKey; }
  public int keyStep() { return keyStep; }
  public JsonNode doc() { return doc; }
  public CommandSpec container() { return container; }
  public CommandLookup subcommands() { return subcommands; }
  public boolean isContainer() { return subcommands != null; }
  public Command implementation() { return implementation; }

  void setSubcommands(CommandLookup subs) { this.subcommands = subs; }
  void setImplementation(Command c) { this.implementation = c; }

  /** True when argc satisfies the arity (N exact, -N at least N). */
  public boolean arityOk(int argc) {
    return arity >= 0 ? argc == arity : argc >= -arity;
  }

  // commandstats accessors (node lock held)
  public long calls() { return calls; }
  public long micros() { return micros; }
  public long rejectedCalls() { return rejectedCalls; }
  public long failedCalls() { return failedCalls; }

  public void recordCall(long elapsedMicros, boolean failed) {
    calls++;
    micros += elapsedMicros;
    if (failed) {
      failedCalls++;
    }
  }

  /** Time of calls already counted by {@link #recordCall} (the dispatcher times fast commands as a group). */
  public void addMicros(long elapsedMicros) {
    micros += elapsedMicros;
  }

  public void recordRejected() {
    rejectedCalls++;
  }

  public void resetStats() {
    calls = 0;
    micros = 0;
    rejectedCalls = 0;
    failedCalls = 0;
  }

  @Override
  public String toString() {
    return name;
  }
}
