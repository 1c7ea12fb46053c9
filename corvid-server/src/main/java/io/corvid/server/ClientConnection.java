package io.corvid.server;

import io.corvid.common.Clock;
import io.corvid.resp.ProtocolException;
import io.corvid.resp.Request;
import io.corvid.resp.RequestParser;
import io.corvid.resp.RespLimits;
import io.corvid.resp.RespVersion;
import io.corvid.resp.RespWriter;
import io.corvid.server.command.CommandContext;
import io.corvid.server.command.CommandException;
import io.corvid.server.command.CommandSpec;
import io.corvid.server.command.Errors;
import io.corvid.server.command.Session;
import io.corvid.server.config.OutputBufferLimits;
import io.corvid.storage.Keyspace;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: the Netty handler that reads its requests, and the {@link Session} and
 * {@link CommandContext} its commands see.
 *
 * <h2>The read path</h2>
 * Inbound bytes are cumulated; {@link RequestParser} parses as many complete requests as the
 * bytes hold into the connection's one reusable {@link Request}; each is dispatched at once and
 * its reply written into one outbound buffer, which is flushed once per read batch
 * ({@link #channelReadComplete}), not per command. Nothing here allocates per request.
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>client-query-buffer-limit: unparsed input beyond it closes the connection;
 *   <li>parser limits (proto-max-bulk-len, multibulk and inline lengths): {@code -ERR Protocol
 *       error: ...} then close, as Redis;
 *   <li>output: when replies pile up faster than the client reads them (channel not writable),
 *       reading from the client stops until it drains (back-pressure); past the class's hard
 *       limit, or over the soft limit for longer than its seconds, the client is closed.
 * </ul>
 */
public final class ClientConnection extends ChannelInboundHandlerAdapter implements Session, CommandContext {
  private static final Logger log = LoggerFactory.getLogger("corvid");
  /** Replies beyond this many bytes are flushed mid-batch so one pipeline cannot build a huge buffer. */
  static final int OUT_FLUSH_THRESHOLD_BYTES = 64 * 1024;
  private static final int OUT_INITIAL_BYTES = 512;
  /**
   * A written reply buffer up to this size is kept for the connection's next batch (see {@link
   * #spare}); Redis likewise keeps a 16 KiB reply buffer per client.
   */
  static final int OUT_SPARE_MAX_BYTES = 16 * 1024;

  private final Node node;
  private final long id;
  private final long createdMillis;
  private final Clock clock;
  private Channel channel;
  private ChannelHandlerContext ctx;
  private String peer = "?:0";
  private String local = "?:0";

  private RequestParser parser;
  private final Request request = new Request();
  private ByteBuf inbound;
  private ByteBuf out;
  /**
   * The reply buffer of the last flush, still referenced by this connection: once the transport
   * has written and released it ({@code refCnt() == 1}), the next batch's replies go into it
   * instead of a newly pooled buffer. Allocating, growing and freeing a pooled buffer per read
   * batch was about 15% of the event loop's CPU on pipelined GETs (allocator, recycler and a clock
   * read in the arena). Event-loop thread only.
   */
  private ByteBuf spare;
  private boolean readPaused;
  /** Replies of this connection being completed off the event loop (see {@link #deferReply}). */
  private int awaitingDeferred;
  /** Set by a command that needs a deferral once the read batch ends (write-behind fsync group commit). */
  private java.util.function.Consumer<ClientConnection> deferAtBatchEnd;
  private boolean closeAfterReply;
  private boolean closed;
  private boolean registered;

  // session state
  private String name;
  private int db;
  private RespVersion resp = RespVersion.RESP2;
  private boolean authenticated;
  /** Cluster mode: READONLY / ASKING (cluster/ClusterRouter). */
  private boolean readonlyMode;
  private boolean asking;
  private Map<String, String> attributes;
  private volatile long lastInteractionMillis;
  private String lastCommand = "NULL";

  // command currently executing
  private Request current;
  private CommandSpec currentSpec;

  // MULTI / WATCH
  private boolean inMulti;
  private boolean multiError;
  private final List<Request> queued = new ArrayList<>();
  private final List<CommandSpec> queuedSpecs = new ArrayList<>();
  private boolean watchDirty;
  private final List<ByteKey> watched = new ArrayList<>();

  // pub/sub
  private final Set<ByteKey> channels = new LinkedHashSet<>();
  private final Set<ByteKey> patterns = new LinkedHashSet<>();
  private volatile long softLimitSinceMillis;

  // CLIENT TRACKING (null until the connection first enables it; see Tracking)
  ClientTracking tracking;
  /** Replication's per-connection state (the slot offsets of its writes, for WAIT); node lock. */
  private Object replicationState;

  ClientConnection(Node node) {
    this.node = node;
    this.clock = node.clock();
    this.id = node.newClientId();
    this.createdMillis = clock.currentTimeMillis();
    this.lastInteractionMillis = createdMillis;
    this.parser = new RequestParser(node.config().respLimits());
    this.authenticated = node.config().requirepass().isEmpty();
    this.parser.authRequired(!authenticated);
  }

  // ================================================================ Netty events

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.channel = ctx.channel();
    this.peer = format(channel.remoteAddress());
    this.local = format(channel.localAddress());
    if (!node.addClient(this)) {
      log.warn("Error accepting a client connection: max number of clients reached (maxclients {}) from {}",
          node.config().maxclients(), peer);
      ByteBuf b = ctx.alloc().ioBuffer(64);
      RespWriter.error(b, "ERR max number of clients reached");
      closed = true;
      ctx.writeAndFlush(b).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    registered = true;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf in = (ByteBuf) msg;
    if (closed || closeAfterReply) {
      in.release();
      return;
    }
    node.netInputBytes.addAndGet(in.readableBytes());
    inbound = inbound == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), inbound, in);
    processInput();
    if (!closed && inbound != null && inbound.readableBytes() > node.config().clientQueryBufferLimit()) {
      log.warn("Closing client that reached max query buffer length: id={} addr={} qbuf={} (client-query-buffer-limit {})",
          id, peer, inbound.readableBytes(), node.config().clientQueryBufferLimit());
      close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    flushOut();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (channel.isWritable() && readPaused && !closed) {
      readPaused = false;
      processInput();
      flushOut();
      if (!readPaused) {
        channel.config().setAutoRead(true);
      }
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    release();
    if (registered) {
      registered = false;
      node.lock().lock();
      try {
        unsubscribeAllSilently();
        unwatchAll();
        discardMulti();
        node.tracking().disable(this);
        node.removeClient(this);
      } finally {
        node.lock().unlock();
      }
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof java.io.IOException)) {
      log.warn("Client id={} addr={}: {}", id, peer, cause.toString());
    }
    close();
  }

  private void release() {
    if (inbound != null) {
      inbound.release();
      inbound = null;
    }
    if (out != null) {
      out.release();
      out = null;
    }
    if (spare != null) {
      spare.release();
      spare = null;
    }
  }

  // ================================================================ the read loop

  /** Parses and executes every complete request in the inbound buffer, until back-pressure. */
  private void processInput() {
    if (inbound == null || !inbound.isReadable() || closed || closeAfterReply || readPaused || awaitingDeferred > 0) {
      return;
    }
    lastInteractionMillis = clock.currentTimeMillis();
    Dispatcher dispatcher = node.dispatcher();
    dispatcher.lock();
    try {
      processInputLocked(dispatcher);
      if (deferAtBatchEnd != null) {
        java.util.function.Consumer<ClientConnection> register = deferAtBatchEnd;
        deferAtBatchEnd = null;
        deferReply();
        register.accept(this);
      }
    } finally {
      dispatcher.unlock();
    }
    if (inbound != null && !inbound.isReadable()) {
      inbound.release();
      inbound = null;
    } else if (inbound != null) {
      inbound.discardSomeReadBytes();
    }
  }

  /** The loop of {@link #processInput}, under the node lock taken once for the whole batch. */
  private void processInputLocked(Dispatcher dispatcher) {
    while (inbound != null && inbound.isReadable() && !closed && !closeAfterReply && !readPaused && awaitingDeferred == 0) {
      boolean complete;
      try {
        complete = parser.parse(inbound, request);
      } catch (ProtocolException e) {
        if (e.replyBeforeClose()) {
          protocolError(e.getMessage());
        } else {
          log.warn("Closing client that reached max query buffer length: id={} addr={} (client-query-buffer-limit {})",
              id, peer, node.config().clientQueryBufferLimit());
          close();
        }
        return;
      }
      if (!complete) {
        break;
      }
      if (request.argc() > 0) {
        dispatcher.dispatchLocked(this, request);
      }
      RespLimits limits = node.config().respLimits();
      if (limits != parser.limits()) {
        parser = new RequestParser(limits);
      }
      parser.authRequired(!authenticated);
      if (out != null && out.readableBytes() >= OUT_FLUSH_THRESHOLD_BYTES) {
        dispatcher.endGroup();
        flushOut();
        dispatcher.restartClock();
        if (!channel.isWritable()) {
          readPaused = true;
          channel.config().setAutoRead(false);
        }
      }
    }
  }

  private void protocolError(String message) {
    log.info("Protocol error ({}) from client: id={} addr={}", message, id, peer);
    RespWriter.error(out(), "ERR " + message);
    closeAfterReply = true;
    flushOut();
  }

  /** Writes the pending replies and checks the output limits. */
  void flushOut() {
    if (closed || awaitingDeferred > 0 || deferAtBatchEnd != null) {
      return;
    }
    if (out != null && out.isReadable()) {
      node.netOutputBytes.addAndGet(out.readableBytes());
      ByteBuf b = out;
      out = null;
      if (closeAfterReply) {
        closed = true;
        ctx.writeAndFlush(b).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      if (b.capacity() <= OUT_SPARE_MAX_BYTES) {
        ByteBuf previous = spare;
        spare = b.retain();
        if (previous != null) {
          previous.release();
        }
      }
      ctx.writeAndFlush(b, ctx.voidPromise());
      checkOutputLimits(isPubSubClass() ? node.config().clientOutputBufferLimit().pubsub()
          : node.config().clientOutputBufferLimit().normal());
    } else if (closeAfterReply) {
      close();
    }
  }

  private boolean isPubSubClass() {
    return !channels.isEmpty() || !patterns.isEmpty();
  }

  /** Output bytes written but not yet taken by the socket. */
  long pendingOutputBytes() {
    Channel ch = channel;
    if (ch == null) {
      return 0;
    }
    ChannelOutboundBuffer b = ch.unsafe().outboundBuffer();
    return b == null ? 0 : b.totalPendingWriteBytes();
  }

  /** Redis's checkClientOutputBufferLimits: close on the hard limit, or the soft limit held too long. */
  void checkOutputLimits(OutputBufferLimits.Limit limit) {
    if (closed || (!limit.hasHard() && !limit.hasSoft())) {
      return;
    }
    long pending = pendingOutputBytes();
    boolean hard = limit.hasHard() && pending >= limit.hardBytes();
    boolean soft = false;
    if (limit.hasSoft() && pending >= limit.softBytes()) {
      long now = clock.currentTimeMillis();
      if (softLimitSinceMillis == 0) {
        softLimitSinceMillis = now;
      } else if (now - softLimitSinceMillis >= limit.softSeconds() * 1000) {
        soft = true;
      }
    } else {
      softLimitSinceMillis = 0;
    }
    if (hard || soft) {
      log.warn("Client id={} addr={} closed for overcoming of output buffer limits ({} bytes pending, {} limit).",
          id, peer, pending, hard ? "hard" : "soft");
      close();
    }
  }

  /** Called by the cron: soft limits must fire even when no new output arrives. */
  void cronCheck(long nowMillis) {
    if (closed) {
      return;
    }
    long timeout = node.config().timeoutSeconds();
    if (timeout > 0 && !isPubSubClass() && nowMillis - lastInteractionMillis > timeout * 1000) {
      log.info("Closing idle client id={} addr={}", id, peer);
      close();
      return;
    }
    OutputBufferLimits limits = node.config().clientOutputBufferLimit();
    checkOutputLimits(isPubSubClass() ? limits.pubsub() : limits.normal());
  }

  /** Closes the connection now, dropping unsent output (thread-safe). */
  public void close() {
    closed = true;
    Channel ch = channel;
    if (ch != null) {
      ch.close();
    }
  }

  public boolean isClosed() {
    return closed;
  }

  // ================================================================ deferred replies

  /**
   * The command running now (node lock held, on this connection's event loop) will complete its
   * reply later, off the event loop (a backing-store load or write). Until {@link #resumeDeferred}
   * the connection dispatches nothing more and flushes nothing, so its pipelined requests are
   * answered in order after that reply; reading from the socket pauses too.
   */
  public void deferReply() {
    awaitingDeferred++;
    if (channel != null) {
      channel.config().setAutoRead(false);
    }
  }

  /**
   * Like {@link #deferReply}, but from the end of the current read batch: every reply of the
   * batch is held until {@code register}'s callback resumes the connection (group commit).
   */
  public void deferAtBatchEnd(java.util.function.Consumer<ClientConnection> register) {
    deferAtBatchEnd = register;
  }

  /**
   * Completes a deferred reply from any thread: on this connection's event loop, with the node
   * lock held, {@code writeReply} writes the reply (it may defer again); once no deferral is
   * outstanding the connection goes on with its pipelined requests and flushes. Nothing happens when it closed meanwhile.
   */
  public void resumeDeferred(java.util.function.Consumer<ClientConnection> writeReply) {
    Channel ch = channel;
    if (ch == null) {
      return;
    }
    ch.eventLoop().execute(() -> {
      if (closed) {
        return;
      }
      Dispatcher dispatcher = node.dispatcher();
      dispatcher.lock();
      try {
        awaitingDeferred--;
        writeReply.accept(this);
      } finally {
        dispatcher.unlock();
      }
      processInput();
      flushOut();
      if (awaitingDeferred == 0 && !readPaused && !closed) {
        channel.config().setAutoRead(true);
      }
    });
  }

  // ================================================================ pub/sub delivery

  /**
   * A published message or invalidation for this connection, from any thread (node lock held);
   * {@code encoded} is shared, this retains its own view. It never overtakes a reply of this
   * connection that was computed before it but is not written yet: while the connection holds its
   * replies for a deferred one ({@link #deferReply}), the message joins them, after them. A
   * tracking client that got {@code invalidate k} before an older GET k reply would cache the
   * stale value for good.
   */
  void deliver(ByteBuf encoded) {
    if (closed || channel == null) {
      return;
    }
    if (channel.eventLoop().inEventLoop() && out != null) {
      // This connection is the one executing (it published to itself): keep order with its replies.
      out.writeBytes(encoded, encoded.readerIndex(), encoded.readableBytes());
      return;
    }
    if (channel.eventLoop().inEventLoop()) {
      deliverOnLoop(encoded);
    } else {
      ByteBuf message = encoded.retainedDuplicate();
      try {
        channel.eventLoop().execute(() -> {
          try {
            deliverOnLoop(message);
          } finally {
            message.release();
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        message.release(); // the event loop is shutting down with the server
      }
    }
    // Pub/sub messages go to subscribers (pubsub class); tracking invalidations may go to a
    // normal client, which keeps its own class's limits.
    OutputBufferLimits limits = node.config().clientOutputBufferLimit();
    checkOutputLimits(isPubSubClass() ? limits.pubsub() : limits.normal());
  }

  /** {@link #deliver} on the event loop, between batches: after held replies, else straight out. */
  private void deliverOnLoop(ByteBuf encoded) {
    if (closed) {
      return;
    }
    if (awaitingDeferred > 0 || deferAtBatchEnd != null) {
      out().writeBytes(encoded, encoded.readerIndex(), encoded.readableBytes()); // resumeDeferred flushes it
      return;
    }
    node.netOutputBytes.addAndGet(encoded.readableBytes());
    channel.writeAndFlush(encoded.retainedDuplicate(), channel.voidPromise());
  }

  // ================================================================ CommandContext

  @Override public Request request() { return current; }

  @Override public String commandName() { return currentSpec == null ? "" : currentSpec.name(); }

  public CommandSpec currentSpec() { return currentSpec; }

  /** Restores EXEC as the current command after its queued commands ran (for stats and the slow log). */
  public void setCurrentForExec(Request r, CommandSpec spec) {
    setCurrent(r, spec);
  }

  void setCurrent(Request r, CommandSpec spec) {
    this.current = r;
    this.currentSpec = spec;
    if (spec != null) {
      this.lastCommand = spec.name();
    }
  }

  @Override public int db() { return db; }

  @Override
  public void selectDb(int db) {
    if (db < 0 || db >= node.config().databases()) {
      throw new CommandException(Errors.DB_INDEX_OUT_OF_RANGE);
    }
    this.db = db;
  }

  @Override public RespVersion resp() { return resp; }
  @Override public Session session() { return this; }
  @Override public Keyspace keyspace() { return node.keyspace(); }
  @Override public Clock clock() { return clock; }
  @Override public Node server() { return node; }

  @Override
  public ByteBuf out() {
    if (out == null) {
      ByteBuf s = spare;
      if (s != null && s.refCnt() == 1) {
        spare = null;
        out = s.clear();
      } else {
        out = ctx.alloc().ioBuffer(OUT_INITIAL_BYTES);
      }
    }
    return out;
  }

  @Override public void replyOk() { RespWriter.ok(out()); }
  @Override public void replyError(String message) { RespWriter.error(out(), message); }
  @Override public void replyInteger(long value) { RespWriter.integer(out(), value); }
  @Override public void replyBulk(byte[] value) { RespWriter.bulk(out(), value); }
  @Override public void replyBulk(byte[] value, int off, int len) { RespWriter.bulk(out(), value, off, len); }
  @Override public void replyBulk(String value) { RespWriter.bulk(out(), value); }
  @Override public void replyNull() { RespWriter.nullBulk(out(), resp); }
  @Override public void replyNullArray() { RespWriter.nullArray(out(), resp); }
  @Override public void replyArrayHeader(long n) { RespWriter.arrayHeader(out(), n); }
  @Override public void replyMapHeader(long pairs) { RespWriter.mapHeader(out(), resp, pairs); }
  @Override public void replySetHeader(long n) { RespWriter.setHeader(out(), resp, n); }
  @Override public void replySimple(String text) { RespWriter.simpleString(out(), text); }
  @Override public void replyDouble(double value) { RespWriter.doubleValue(out(), resp, formatDouble(value)); }

  public void replyVerbatim(String text) { RespWriter.verbatim(out(), resp, text); }
  public void replyBool(boolean b) { RespWriter.bool(out(), resp, b); }

  /**
   * A double as Redis 7.2 prints it: the shortest form that reads back to the same value,
   * integers without a fraction, exponents as {@code 1.5e+20}, and {@code inf}, {@code -inf},
   * {@code nan}.
   */
  public static String formatDouble(double v) {
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    if (Double.isNaN(v)) {
      return "nan";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e17) {
      return Long.toString((long) v);
    }
    String s = Double.toString(v); // shortest round-trip digits (JDK 19+)
    int e = s.indexOf('E');
    if (e < 0) {
      return s;
    }
    String mantissa = s.substring(0, e);
    if (mantissa.endsWith(".0")) {
      mantissa = mantissa.substring(0, mantissa.length() - 2);
    }
    String exponent = s.substring(e + 1);
    return mantissa + "e" + (exponent.startsWith("-") ? exponent : "+" + exponent);
  }

  @Override
  public long argLong(int i) {
    Request r = current;
    byte[] b = r.buffer();
    int off = r.offset(i);
    int len = r.length(i);
    if (len == 0 || len > 20) {
      throw new CommandException(Errors.NOT_INTEGER);
    }
    boolean neg = b[off] == '-';
    int p = neg ? 1 : 0;
    if (p == len || (b[off + p] == '0' && len > p + 1)) {
      throw new CommandException(Errors.NOT_INTEGER);
    }
    long v = 0;
    for (; p < len; p++) {
      int d = b[off + p] - '0';
      if (d < 0 || d > 9) {
        throw new CommandException(Errors.NOT_INTEGER);
      }
      if (v < (Long.MIN_VALUE + d) / 10) {
        throw new CommandException(Errors.NOT_INTEGER);
      }
      v = v * 10 - d;
    }
    if (!neg) {
      if (v == Long.MIN_VALUE) {
        throw new CommandException(Errors.NOT_INTEGER);
      }
      v = -v;
    } else if (v == 0) {
      throw new CommandException(Errors.NOT_INTEGER); // "-0" is not an integer for Redis
    }
    return v;
  }

  @Override
  public double argDouble(int i) {
    String s = current.string(i);
    String l = s.toLowerCase(java.util.Locale.ROOT);
    switch (l) {
      case "inf", "+inf", "infinity", "+infinity" -> { return Double.POSITIVE_INFINITY; }
      case "-inf", "-infinity" -> { return Double.NEGATIVE_INFINITY; }
      default -> { }
    }
    if (s.isEmpty() || Character.isWhitespace(s.charAt(0)) || Character.isWhitespace(s.charAt(s.length() - 1))
        || l.contains("nan") || l.endsWith("d") || l.endsWith("f") || l.startsWith("0x")) {
      throw new CommandException(Errors.NOT_FLOAT);
    }
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new CommandException(Errors.NOT_FLOAT);
    }
  }

  @Override
  public String argUpper(int i) {
    return current.string(i).toUpperCase(java.util.Locale.ROOT);
  }

  @Override
  public boolean argIs(int i, byte[] upperAscii) {
    return current.equalsIgnoreCase(i, upperAscii);
  }

  // ================================================================ Session

  @Override public long clientId() { return id; }
  @Override public String clientName() { return name; }
  @Override public void setClientName(String name) { this.name = name == null || name.isEmpty() ? null : name; }
  @Override public boolean authenticated() { return authenticated; }
  @Override public boolean readonlyMode() { return readonlyMode; }
  @Override public void setReadonlyMode(boolean r) { this.readonlyMode = r; }
  @Override public boolean asking() { return asking; }
  @Override public void setAsking(boolean a) { this.asking = a; }
  @Override public void setAuthenticated(boolean a) { this.authenticated = a; }
  @Override public void setResp(RespVersion v) { this.resp = v; }

  @Override
  public Map<String, String> attributes() {
    if (attributes == null) {
      attributes = new HashMap<>();
    }
    return attributes;
  }

  @Override
  public void closeAfterReply() {
    closeAfterReply = true;
  }

  public String peer() { return peer; }
  /** The Netty channel (replication streams its frames on it; WAIT schedules its timeout on its loop). */
  public Channel channel() { return channel; }
  public Object replicationState() { return replicationState; }
  public void replicationState(Object state) { this.replicationState = state; }
  public String localAddress() { return local; }
  public long createdMillis() { return createdMillis; }
  public long lastInteractionMillis() { return lastInteractionMillis; }

  // ================================================================ MULTI / WATCH state

  public boolean inMulti() { return inMulti; }

  public void beginMulti() {
    inMulti = true;
    multiError = false;
  }

  public void flagMultiError() {
    if (inMulti) {
      multiError = true;
    }
  }

  public boolean multiError() { return multiError; }

  void queue(Request r, CommandSpec spec) {
    queued.add(r.copy());
    queuedSpecs.add(spec);
  }

  public List<Request> queued() { return queued; }
  public List<CommandSpec> queuedSpecs() { return queuedSpecs; }

  public void discardMulti() {
    inMulti = false;
    multiError = false;
    queued.clear();
    queuedSpecs.clear();
  }

  void markWatchDirty() {
    watchDirty = true;
  }

  public boolean watchDirty() { return watchDirty; }

  public List<ByteKey> watchedKeys() { return watched; }

  public void watch(ByteKey key) {
    if (node.watches().watch(this, key)) {
      watched.add(key);
    }
  }

  public void unwatchAll() {
    for (ByteKey k : watched) {
      node.watches().unwatch(this, k);
    }
    watched.clear();
    watchDirty = false;
  }

  // ================================================================ pub/sub state

  /** This connection's CLIENT TRACKING state, or null if it never enabled tracking. */
  public ClientTracking tracking() { return tracking; }

  public Set<ByteKey> channels() { return channels; }
  public Set<ByteKey> patterns() { return patterns; }

  public int subscriptionCount() {
    return channels.size() + patterns.size();
  }

  private void unsubscribeAllSilently() {
    for (ByteKey c : channels) {
      node.pubSub().unsubscribe(this, c);
    }
    channels.clear();
    for (ByteKey p : patterns) {
      node.pubSub().punsubscribe(this, p);
    }
    patterns.clear();
  }

  /** RESET: back to a fresh connection's state (keeps the id and the address). */
  public void reset() {
    discardMulti();
    unwatchAll();
    unsubscribeAllSilently();
    node.tracking().disable(this);
    db = 0;
    resp = RespVersion.RESP2;
    name = null;
    readonlyMode = false;
    asking = false;
    authenticated = node.config().requirepass().isEmpty();
    if (attributes != null) {
      attributes.clear();
    }
  }

  // ================================================================ CLIENT LIST

  /** One CLIENT LIST / CLIENT INFO line, in Redis 7's field order. */
  public String describe() {
    long now = clock.currentTimeMillis();
    StringBuilder flags = new StringBuilder();
    if (inMulti) {
      flags.append('x');
    }
    if (isPubSubClass()) {
      flags.append('P');
    }
    boolean trackingOn = tracking != null && tracking.on;
    if (trackingOn) {
      flags.append('t');
      if (tracking.brokenRedirect) {
        flags.append('R');
      }
      if (tracking.bcast) {
        flags.append('B');
      }
    }
    if (watchDirty) {
      flags.append('d');
    }
    if (flags.isEmpty()) {
      flags.append('N');
    }
    Map<String, String> a = attributes == null ? Map.of() : attributes;
    int qbuf = inbound == null ? 0 : inbound.readableBytes();
    return "id=" + id + " addr=" + peer + " laddr=" + local + " fd=-1 name=" + (name == null ? "" : name)
        + " age=" + (now - createdMillis) / 1000 + " idle=" + (now - lastInteractionMillis) / 1000
        + " flags=" + flags + " db=" + db + " sub=" + channels.size() + " psub=" + patterns.size() + " ssub=0"
        + " multi=" + (inMulti ? queued.size() : -1) + " qbuf=" + qbuf + " qbuf-free=0 argv-mem=0 multi-mem=0"
        + " rbs=0 rbp=0 obl=0 oll=0 omem=" + pendingOutputBytes() + " tot-mem=0 events=r cmd=" + lastCommand
        + " user=default redir=" + (trackingOn ? tracking.redirect : -1) + " resp=" + resp.number()
        + " lib-name=" + a.getOrDefault("lib-name", "") + " lib-ver=" + a.getOrDefault("lib-ver", "");
  }

  private static String format(SocketAddress a) {
    if (a instanceof InetSocketAddress i) {
      String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + i.getPort();
    }
    return String.valueOf(a);
  }

  /** Argument i as an ASCII/UTF-8 string, for commands off the hot path. */
  public String arg(int i) {
    return current.string(i);
  }

  static String ascii(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
