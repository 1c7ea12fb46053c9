package io.corvid.server.command;

import io.corvid.common.Clock;
import io.corvid.resp.Request;
import io.corvid.resp.RespVersion;
import io.corvid.storage.Keyspace;
import io.netty.buffer.ByteBuf;

/**
 * What a command sees while it runs: its arguments, the connection's state, the keyspace (lock
 * held) and the reply buffer. Replies are written with {@link io.corvid.resp.RespWriter} into
 * {@link #out()} using {@link #resp()}; the helpers below cover the common cases.
 *
 * <p>Argument-parsing helpers throw {@link CommandException} with Redis's wording, which the
 * dispatcher turns into the error reply.
 */
public interface CommandContext {

  // ------------------------------------------------------------------ request

  Request request();

  default int argc() {
    return request().argc();
  }

  /** The command's name as metadata spells it, lower case ("get", "client|id"). */
  String commandName();

  // ------------------------------------------------------------------ connection state

  /** The selected database. */
  int db();

  void selectDb(int db);

  RespVersion resp();

  /** The connection's state (client id, name, flags, MULTI/WATCH/pubsub state). */
  Session session();

  // ------------------------------------------------------------------ node state

  Keyspace keyspace();

  Clock clock();

  /** The node: configuration, clients, pub/sub, stats, shutdown. */
  ServerContext server();

  // ------------------------------------------------------------------ replies

  ByteBuf out();

  void replyOk();

  void replyError(String message);

  void replyInteger(long value);

  void replyBulk(byte[] value);

  void replyBulk(byte[] value, int off, int len);

  void replyBulk(String value);

  /** Null bulk ($-1 in RESP2, _ in RESP3). */
  void replyNull();

  /** Null array (*-1 in RESP2, _ in RESP3). */
  void replyNullArray();

  void replyArrayHeader(long n);

  void replyMapHeader(long pairs);

  void replySetHeader(long n);

  void replySimple(String text);

  /** A double: RESP3 double, RESP2 bulk string; formatted as Redis does. */
  void replyDouble(double value);

  // ------------------------------------------------------------------ argument parsing

  /** Argument i as a long, or ERR value is not an integer or out of range. */
  long argLong(int i);

  /** Argument i as a double, or ERR value is not a valid float. Accepts inf/-inf like Redis. */
  double argDouble(int i);

  /** Argument i upper-cased as ASCII, for option matching (allocates; not for hot paths). */
  String argUpper(int i);

  boolean argIs(int i, byte[] upperAscii);
}
