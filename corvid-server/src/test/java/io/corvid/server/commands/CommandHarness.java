package io.corvid.server.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corvid.common.Clock;
import io.corvid.common.FakeClock;
import io.corvid.resp.Request;
import io.corvid.resp.RespVersion;
import io.corvid.resp.RespWriter;
import io.corvid.server.command.Command;
import io.corvid.server.command.CommandContext;
import io.corvid.server.command.CommandException;
import io.corvid.server.command.Errors;
import io.corvid.server.command.HashCommands;
import io.corvid.server.command.KeyCommands;
import io.corvid.server.command.ServerContext;
import io.corvid.server.command.Session;
import io.corvid.server.command.StringCommands;
import io.corvid.storage.Keyspace;
import io.corvid.storage.StorageConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the string, key and hash commands in process, as the dispatcher would: arity from the
 * group's metadata JSON, then the command, with {@link CommandException} turned into an error
 * reply. The keyspace is a real engine on a {@link FakeClock}; replies are returned as the raw
 * RESP text the client would receive.
 *
 * <p>Checks the contract as it goes: a command writes exactly one reply, never a partial reply
 * followed by an error.
 */
final class CommandHarness implements CommandContext, AutoCloseable {
  static final String[] GROUPS = {"string", "keys", "hash"};

  final FakeClock clock = new FakeClock();
  final Keyspace keyspace;
  private final Map<String, Command> commands = new HashMap<>();
  final Map<String, JsonNode> metadata = new HashMap<>();
  private final Request request = new Request();
  private ByteBuf out;
  private String commandName;
  private int db;
  private RespVersion resp = RespVersion.RESP2;
  long protoMaxBulkLen = 512L * 1024 * 1024;

  CommandHarness() {
    this(false);
  }

  /** @param directBuffer reply into a direct buffer (the server's case) rather than a heap one */
  CommandHarness(boolean directBuffer) {
    this(directBuffer ? Unpooled.directBuffer(256) : Unpooled.buffer(256));
  }

  /** Replies go into {@code out}, which the harness releases on close. */
  CommandHarness(ByteBuf out) {
    keyspace = createKeyspace(clock);
    this.out = out;
    StringCommands.register(commands::put);
    KeyCommands.register(commands::put);
    HashCommands.register(commands::put);
    for (String group : GROUPS) {
      for (JsonNode entry : loadMetadata(group)) {
        metadata.put(entry.get("name").asText(), entry);
      }
    }
  }

  static Keyspace createKeyspace(Clock clock) {
    return Keyspace.create(StorageConfig.defaults(), clock);
  }

  static JsonNode loadMetadata(String group) {
    String path = "/io/corvid/server/commands/" + group + ".json";
    try (InputStream in = CommandHarness.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing " + path);
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Map<String, Command> commands() {
    return commands;
  }

  CommandHarness resp3() {
    resp = RespVersion.RESP3;
    return this;
  }

  CommandHarness resp(RespVersion v) {
    resp = v;
    return this;
  }

  /** Runs one command and returns its raw reply. */
  String call(String... args) {
    byte[][] bytes = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    return new String(callBytes(bytes), StandardCharsets.UTF_8);
  }

  /** Runs one command and returns its decoded reply (see {@link RespDecoder}). */
  Object exec(String... args) {
    byte[][] bytes = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    return RespDecoder.decodeOne(callBytes(bytes));
  }

  byte[] callBytes(byte[]... args) {
    request.set(args);
    out.clear();
    commandName = new String(args[0], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
    Command command = commands.get(commandName);
    JsonNode meta = metadata.get(commandName);
    if (command == null || meta == null) {
      RespWriter.error(out, "ERR unknown command '" + commandName + "'");
      return drain();
    }
    int arity = meta.get("arity").asInt();
    if (arity > 0 && args.length != arity || arity < 0 && args.length < -arity) {
      RespWriter.error(out, Errors.wrongArity(commandName));
      return drain();
    }
    try {
      command.execute(this);
    } catch (CommandException e) {
      if (out.writerIndex() != 0) {
        throw new AssertionError("'" + commandName + "' wrote a partial reply before failing with " + e.getMessage());
      }
      RespWriter.error(out, e.getMessage());
    }
    return drain();
  }

  private byte[] drain() {
    byte[] reply = new byte[out.readableBytes()];
    out.getBytes(out.readerIndex(), reply);
    return reply;
  }

  void advanceMillis(long ms) {
    clock.advanceMillis(ms);
  }

  @Override public void close() {
    keyspace.close();
    out.release();
  }

  // ------------------------------------------------------------------ CommandContext

  @Override public Request request() { return request; }
  @Override public String commandName() { return commandName; }
  @Override public int db() { return db; }
  @Override public void selectDb(int db) { this.db = db; }
  @Override public RespVersion resp() { return resp; }
  @Override public Session session() { throw new UnsupportedOperationException("no session in command tests"); }
  @Override public Keyspace keyspace() { return keyspace; }
  @Override public Clock clock() { return clock; }
  @Override public ServerContext server() { return () -> protoMaxBulkLen; }
  @Override public ByteBuf out() { return out; }
  @Override public void replyOk() { RespWriter.ok(out); }
  @Override public void replyError(String message) { RespWriter.error(out, message); }
  @Override public void replyInteger(long value) { RespWriter.integer(out, value); }
  @Override public void replyBulk(byte[] value) { RespWriter.bulk(out, value); }
  @Override public void replyBulk(byte[] value, int off, int len) { RespWriter.bulk(out, value, off, len); }
  @Override public void replyBulk(String value) { RespWriter.bulk(out, value); }
  @Override public void replyNull() { RespWriter.nullBulk(out, resp); }
  @Override public void replyNullArray() { RespWriter.nullArray(out, resp); }
  @Override public void replyArrayHeader(long n) { RespWriter.arrayHeader(out, n); }
  @Override public void replyMapHeader(long pairs) { RespWriter.mapHeader(out, resp, pairs); }
  @Override public void replySetHeader(long n) { RespWriter.setHeader(out, resp, n); }
  @Override public void replySimple(String text) { RespWriter.simpleString(out, text); }
  @Override public void replyDouble(double value) { RespWriter.doubleValue(out, resp, Double.toString(value)); }

  @Override public long argLong(int i) {
    try {
      return Long.parseLong(request.string(i));
    } catch (NumberFormatException e) {
      throw new CommandException(Errors.NOT_INTEGER);
    }
  }

  @Override public double argDouble(int i) {
    try {
      return Double.parseDouble(request.string(i));
    } catch (NumberFormatException e) {
      throw new CommandException(Errors.NOT_FLOAT);
    }
  }

  @Override public String argUpper(int i) { return request.string(i).toUpperCase(Locale.ROOT); }
  @Override public boolean argIs(int i, byte[] upperAscii) { return request.equalsIgnoreCase(i, upperAscii); }
}
