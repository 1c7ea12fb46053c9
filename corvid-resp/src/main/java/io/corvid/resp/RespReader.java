package io.corvid.resp;

import io.netty.buffer.ByteBuf;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads RESP2 and RESP3 replies into {@link RespValue}s, incrementally: {@link #read} returns
 * null when it needs more bytes and keeps its place, so a reply may arrive one byte at a time and
 * no byte is looked at twice. One reader per connection.
 *
 * <h2>How it works</h2>
 *
 * Two states: reading a line (a type byte, text, {@code \r\n}) or reading a blob payload
 * ({@code $}, {@code !}, {@code =}) and its {@code \r\n}. Aggregates ({@code * ~ % > |}) push a
 * frame on an explicit stack instead of recursing, so deep nesting costs no Java stack and is
 * bounded by {@link Limits#maxDepth()}. A value that completes is added to the frame on top;
 * a frame that fills up becomes a value in turn. An attribute ({@code |}) waits at its level and
 * wraps the next value completed there.
 *
 * <p>Unlike the request parser, which must be as lenient as Redis, this reader is strict: lines end
 * in exactly {@code \r\n}, blobs are followed by {@code \r\n}, numbers are well formed. Declared
 * lengths are checked against {@link Limits} and then trusted for nothing: a blob's array grows as
 * its bytes arrive (or is allocated at once when they already have), and an aggregate reserves at
 * most {@value #INITIAL_AGGREGATE_CAPACITY} slots up front. Streamed RESP3 types ({@code $?},
 * {@code *?}) are not supported: Redis never sends them.
 *
 * <p>After a {@link ProtocolException} the stream is unusable; later calls throw it again.
 */
public final class RespReader {
  /**
   * Limits on what one reply may declare.
   *
   * @param maxDepth most nested aggregates (attributes included)
   * @param maxBulkLength largest blob ({@code $ ! =}), in bytes
   * @param maxAggregateLength most elements in one aggregate (pairs for maps and attributes)
   * @param maxLineLength longest line after the type byte ({@code + - : , ( #} and headers), in
   *     bytes
   */
  public record Limits(int maxDepth, long maxBulkLength, long maxAggregateLength, int maxLineLength) {
    public static final int DEFAULT_MAX_DEPTH = 128;
    public static final long DEFAULT_MAX_BULK_LENGTH = RespLimits.DEFAULT_PROTO_MAX_BULK_LEN;
    public static final long DEFAULT_MAX_AGGREGATE_LENGTH = Integer.MAX_VALUE - 16;
    public static final int DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

    public Limits {
      if (maxDepth < 1 || maxBulkLength < 0 || maxAggregateLength < 0 || maxLineLength < 1) {
        throw new IllegalArgumentException("invalid reader limits");
      }
      maxBulkLength = Math.min(maxBulkLength, Integer.MAX_VALUE - 16);
      maxAggregateLength = Math.min(maxAggregateLength, Integer.MAX_VALUE - 16);
    }

    public static Limits defaults() {
      return new Limits(
          DEFAULT_MAX_DEPTH,
          DEFAULT_MAX_BULK_LENGTH,
          DEFAULT_MAX_AGGREGATE_LENGTH,
          DEFAULT_MAX_LINE_LENGTH);
    }
  }

  private static final int INITIAL_AGGREGATE_CAPACITY = 16;
  private static final int INITIAL_LINE_BYTES = 64;
  private static final int MIN_BLOB_CHUNK = 256;
  private static final int LONG_MAX_CHARS = 20;

  private static final int LINE = 0;
  private static final int BLOB = 1;
  private static final int BLOB_CR = 2;
  private static final int BLOB_LF = 3;
  private static final int FAILED = 4;

  private final Limits limits;
  private int state = LINE;
  private ProtocolException failure;

  // The line being read: its type byte, then its text.
  private boolean haveType;
  private byte type;
  private byte[] line = new byte[INITIAL_LINE_BYTES];
  private int lineLength;
  private boolean lineCr;

  // The blob being read.
  private byte blobType;
  private byte[] blob;
  private int blobLength;
  private int blobFill;

  // Open aggregates, outermost first; attributes pending per level (0 = top level).
  private Frame[] frames = new Frame[8];
  private int depth;
  private List<RespValue.Entry>[] pendingAttributes = newEntryLists(9);

  public RespReader() {
    this(Limits.defaults());
  }

  public RespReader(Limits limits) {
    this.limits = limits;
  }

  /**
   * Reads bytes until one whole reply is complete.
   *
   * @return the reply, or null when {@code in} ran out first (all its bytes were consumed)
   */
  public RespValue read(ByteBuf in) throws ProtocolException {
    try {
      return read0(in);
    } catch (ProtocolException e) {
      state = FAILED;
      failure = e;
      throw e;
    }
  }

  /** Bytes reserved for the blob being read: lets tests check that declared lengths are not trusted. */
  int blobCapacity() {
    return blob == null ? 0 : blob.length;
  }

  /** True when no reply is partly read. */
  public boolean isIdle() {
    return state == LINE && !haveType && depth == 0 && pendingAttributes[0] == null;
  }

  private RespValue read0(ByteBuf in) throws ProtocolException {
    for (; ; ) {
      RespValue done;
      switch (state) {
        case LINE:
          if (!readLine(in)) {
            return null;
          }
          haveType = false;
          done = onLine();
          break;
        case BLOB:
          {
            int n = Math.min(in.readableBytes(), blobLength - blobFill);
            if (n > 0) {
              if (blobFill + n > blob.length) {
                long doubled = Math.max((long) blob.length * 2, MIN_BLOB_CHUNK);
                long grown = Math.max((long) blobFill + n, Math.min(doubled, blobLength));
                blob = java.util.Arrays.copyOf(blob, (int) grown);
              }
              in.readBytes(blob, blobFill, n);
              blobFill += n;
            }
            if (blobFill < blobLength) {
              return null;
            }
            state = BLOB_CR;
            continue;
          }
        case BLOB_CR:
        case BLOB_LF:
          {
            if (!in.isReadable()) {
              return null;
            }
            byte b = in.readByte();
            if (b != (state == BLOB_CR ? '\r' : '\n')) {
              throw new ProtocolException("Protocol error: blob not followed by CRLF");
            }
            if (state == BLOB_CR) {
              state = BLOB_LF;
              continue;
            }
            state = LINE;
            done = onBlob();
            break;
          }
        case FAILED:
          throw failure;
        default:
          throw new AssertionError("state " + state);
      }
      if (done != null) {
        RespValue top = complete(done);
        if (top != null) {
          return top;
        }
      }
    }
  }

  /** Reads the type byte and the line up to CRLF. True when complete. */
  private boolean readLine(ByteBuf in) throws ProtocolException {
    while (in.isReadable()) {
      byte b = in.readByte();
      if (!haveType) {
        haveType = true;
        type = b;
        lineLength = 0;
        lineCr = false;
        continue;
      }
      if (lineCr) {
        if (b != '\n') {
          throw new ProtocolException("Protocol error: CR not followed by LF");
        }
        return true;
      }
      if (b == '\r') {
        lineCr = true;
        continue;
      }
      if (b == '\n') {
        throw new ProtocolException("Protocol error: LF without CR");
      }
      if (lineLength == limits.maxLineLength()) {
        throw new ProtocolException("Protocol error: too big line");
      }
      if (lineLength == line.length) {
        line = java.util.Arrays.copyOf(line, (int) Math.min((long) line.length * 2, limits.maxLineLength()));
      }
      line[lineLength++] = b;
    }
    return false;
  }

  /** Acts on a complete line; returns the value it completes, or null if more must be read. */
  private RespValue onLine() throws ProtocolException {
    switch (type) {
      case '+':
        return new RespValue.SimpleString(lineText());
      case '-':
        return new RespValue.ErrorReply(lineText(), false);
      case ':':
        return new RespValue.Int(lineLong("integer"));
      case '_':
        if (lineLength != 0) {
          throw new ProtocolException("Protocol error: invalid null");
        }
        return RespValue.Null.INSTANCE;
      case '#':
        if (lineLength == 1 && (line[0] == 't' || line[0] == 'f')) {
          return new RespValue.Bool(line[0] == 't');
        }
        throw new ProtocolException("Protocol error: invalid boolean");
      case ',':
        return new RespValue.DoubleValue(lineDouble());
      case '(':
        return new RespValue.BigNumber(lineBigInteger());
      case '$':
      case '!':
      case '=':
        return startBlob();
      case '*':
      case '~':
      case '%':
      case '>':
      case '|':
        return startAggregate();
      default:
        throw new ProtocolException(
            "Protocol error: unknown reply type '" + (char) (type & 0xff) + "'");
    }
  }

  private RespValue startBlob() throws ProtocolException {
    if (lineLength == 1 && line[0] == '?') {
      throw new ProtocolException("Protocol error: streamed strings are not supported");
    }
    long len = lineLong("length");
    if (len == -1 && type == '$') {
      return RespValue.Null.INSTANCE;
    }
    if (len < 0 || len > limits.maxBulkLength()) {
      throw new ProtocolException("Protocol error: invalid bulk length");
    }
    if (type == '=' && len < 4) {
      throw new ProtocolException("Protocol error: invalid verbatim string");
    }
    blobType = type;
    blobLength = (int) len;
    blobFill = 0;
    blob = new byte[0];
    state = BLOB;
    return null;
  }

  private RespValue onBlob() throws ProtocolException {
    byte[] bytes = blob;
    blob = null;
    if (bytes.length != blobLength) {
      bytes = java.util.Arrays.copyOf(bytes, blobLength);
    }
    switch (blobType) {
      case '$':
        return new RespValue.Bulk(bytes, true);
      case '!':
        return new RespValue.ErrorReply(new String(bytes, StandardCharsets.UTF_8), true);
      default:
        if (bytes[3] != ':') {
          throw new ProtocolException("Protocol error: invalid verbatim string");
        }
        String format = new String(bytes, 0, 3, StandardCharsets.ISO_8859_1);
        return new RespValue.Verbatim(
            format, java.util.Arrays.copyOfRange(bytes, 4, bytes.length), true);
    }
  }

  private RespValue startAggregate() throws ProtocolException {
    if (lineLength == 1 && line[0] == '?') {
      throw new ProtocolException("Protocol error: streamed aggregates are not supported");
    }
    long n = lineLong("length");
    if (n == -1 && type == '*') {
      return RespValue.Null.INSTANCE;
    }
    if (n < 0 || n > limits.maxAggregateLength()) {
      throw new ProtocolException("Protocol error: invalid aggregate length");
    }
    long elements = (type == '%' || type == '|') ? n * 2 : n;
    if (elements == 0) {
      Frame empty = new Frame(type, 0);
      if (type == '|') {
        pendingAttributes[depth] = List.of();
        return null;
      }
      return empty.build();
    }
    if (depth == limits.maxDepth()) {
      throw new ProtocolException("Protocol error: reply nested too deeply");
    }
    if (depth == frames.length) {
      frames = java.util.Arrays.copyOf(frames, depth * 2);
      pendingAttributes = java.util.Arrays.copyOf(pendingAttributes, depth * 2 + 1);
    }
    frames[depth++] = new Frame(type, elements);
    pendingAttributes[depth] = null;
    return null;
  }

  /**
   * Hands a completed value to the frame on top, closing every frame it fills.
   *
   * @return the top-level reply when one is complete, else null
   */
  private RespValue complete(RespValue value) {
    for (; ; ) {
      List<RespValue.Entry> attributes = pendingAttributes[depth];
      if (attributes != null) {
        pendingAttributes[depth] = null;
        value = new RespValue.Attribute(attributes, value);
      }
      if (depth == 0) {
        return value;
      }
      Frame f = frames[depth - 1];
      f.items.add(value);
      if (f.items.size() < f.expected) {
        return null;
      }
      frames[--depth] = null;
      if (f.type == '|') {
        pendingAttributes[depth] = f.entries();
        return null;
      }
      value = f.build();
    }
  }

  private String lineText() {
    return new String(line, 0, lineLength, StandardCharsets.UTF_8);
  }

  private long lineLong(String what) throws ProtocolException {
    int i = 0;
    boolean negative = false;
    if (lineLength > 0 && (line[0] == '-' || line[0] == '+')) {
      negative = line[0] == '-';
      i = 1;
    }
    if (i == lineLength || lineLength > LONG_MAX_CHARS) {
      throw new ProtocolException("Protocol error: invalid " + what);
    }
    long v = 0;
    for (; i < lineLength; i++) {
      int d = line[i] - '0';
      if (d < 0 || d > 9) {
        throw new ProtocolException("Protocol error: invalid " + what);
      }
      // Accumulate negatively: Long.MIN_VALUE has no positive counterpart.
      if (v < (Long.MIN_VALUE + d) / 10) {
        throw new ProtocolException("Protocol error: invalid " + what);
      }
      v = v * 10 - d;
    }
    if (!negative) {
      if (v == Long.MIN_VALUE) {
        throw new ProtocolException("Protocol error: invalid " + what);
      }
      v = -v;
    }
    return v;
  }

  private double lineDouble() throws ProtocolException {
    String s = new String(line, 0, lineLength, StandardCharsets.ISO_8859_1);
    switch (s) {
      case "inf":
      case "+inf":
        return Double.POSITIVE_INFINITY;
      case "-inf":
        return Double.NEGATIVE_INFINITY;
      case "nan":
      case "-nan":
        return Double.NaN;
      default:
        if (!isDecimal(s)) {
          throw new ProtocolException("Protocol error: invalid double");
        }
        return Double.parseDouble(s);
    }
  }

  /** {@code [+-]?digits[.digits][(e|E)[+-]?digits]}: what Double.parseDouble must not widen. */
  private static boolean isDecimal(String s) {
    int from = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-') ? 1 : 0;
    return io.corvid.common.DecimalSyntax.isUnsignedDecimal(s, from);
  }

  private BigInteger lineBigInteger() throws ProtocolException {
    int i = lineLength > 0 && (line[0] == '-' || line[0] == '+') ? 1 : 0;
    if (i == lineLength) {
      throw new ProtocolException("Protocol error: invalid big number");
    }
    for (int j = i; j < lineLength; j++) {
      if (line[j] < '0' || line[j] > '9') {
        throw new ProtocolException("Protocol error: invalid big number");
      }
    }
    return new BigInteger(new String(line, 0, lineLength, StandardCharsets.ISO_8859_1));
  }

  @SuppressWarnings("unchecked")
  private static List<RespValue.Entry>[] newEntryLists(int n) {
    return (List<RespValue.Entry>[]) new List<?>[n];
  }

  /** An aggregate being read. */
  private static final class Frame {
    final byte type;
    final long expected;
    final ArrayList<RespValue> items;

    Frame(byte type, long expected) {
      this.type = type;
      this.expected = expected;
      this.items = new ArrayList<>((int) Math.min(expected, INITIAL_AGGREGATE_CAPACITY));
    }

    List<RespValue.Entry> entries() {
      List<RespValue.Entry> entries = new ArrayList<>(items.size() / 2);
      for (int i = 0; i < items.size(); i += 2) {
        entries.add(new RespValue.Entry(items.get(i), items.get(i + 1)));
      }
      return entries;
    }

    RespValue build() {
      switch (type) {
        case '*':
          return new RespValue.Array(items);
        case '~':
          return new RespValue.SetValue(items);
        case '>':
          return new RespValue.Push(items);
        case '%':
          return new RespValue.MapValue(entries());
        default:
          throw new AssertionError("aggregate type " + (char) type);
      }
    }
  }
}
