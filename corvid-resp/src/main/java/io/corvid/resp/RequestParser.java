package io.corvid.resp;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Parses client requests, RESP arrays of bulk strings or inline lines, from a connection's
 * inbound bytes. One parser per connection; it keeps its state between calls, so a request may
 * arrive one byte at a time.
 *
 * <h2>What it accepts</h2>
 *
 * Exactly what Redis 7 accepts ({@code processMultibulkBuffer} and {@code processInlineBuffer} in
 * {@code networking.c}), with the same error strings:
 *
 * <ul>
 *   <li>A request whose first byte is {@code *} is a multibulk: {@code *<n>\r\n} then {@code n}
 *       times {@code $<len>\r\n<len bytes>\r\n}. {@code n} and {@code len} follow Redis's {@code
 *       string2ll}: optional {@code -}, no {@code +}, no leading zeros, fewer than 21 characters.
 *       {@code *0} and negative counts are requests without a command and are skipped.
 *   <li>Anything else is an inline command: a line up to {@code \n} (a {@code \r} before it is
 *       dropped), split into arguments by the rules of Redis's {@code sdssplitargs} (see {@link
 *       InlineSplitter}). Empty and blank lines are skipped.
 * </ul>
 *
 * <p>Redis's leniencies are kept on purpose, because a client that works against Redis must work
 * here: a header line ends at the first {@code \r} and the byte after it is skipped whatever it
 * is, and the two bytes after a bulk payload are skipped without being checked.
 *
 * <p>Where Redis's result depends on how the bytes were split into reads, this parser behaves as
 * Redis does when bytes arrive in small pieces, so its result never depends on the split: a line
 * (inline command or header) is "too big" as soon as more than {@link
 * RespLimits#maxInlineLength()} bytes of it have arrived without its terminator. Redis stops at the
 * first NUL byte when it searches an inline line (C strings); here NUL is an ordinary byte.
 *
 * <h2>How it works</h2>
 *
 * An explicit state machine: {@code START} (peek the first byte) then either {@code
 * MULTIBULK_COUNT -> (BULK_LENGTH -> BULK_PAYLOAD -> BULK_TRAILER)*} or {@code INLINE}. Header
 * lines are scanned once, byte by byte, with the number parsed as the digits go by, so no byte is
 * looked at twice however the input is split. Payload bytes are copied straight into the {@link
 * Request} arena, which grows only as they arrive: declared lengths are checked against {@link
 * RespLimits} and then trusted for nothing. Inline lines are copied to the arena and split in
 * place. After a parse into a warmed {@code Request}, nothing is allocated.
 *
 * <p>Most requests arrive whole (a pipeline of GETs in one read): for those {@code parseWhole}
 * skips the state machine, scanning only the header lines and copying the request with one copy.
 * It accepts only input the state machine would accept with the same result and otherwise leaves
 * everything to it, so behaviour does not depend on which path ran.
 *
 * <p>Invariants, after every call: {@code in}'s reader index has moved past exactly the bytes
 * that were processed; the bytes of an unfinished request that have been consumed are held in the
 * {@code Request} (payload) or in this parser's counters (headers). Pass the same {@code Request}
 * until {@code parse} returns true. After a {@link ProtocolException} the connection is unusable:
 * every later call throws the same exception.
 */
public final class RequestParser {
  private static final int START = 0;
  private static final int MULTIBULK_COUNT = 1;
  private static final int BULK_LENGTH = 2;
  private static final int BULK_PAYLOAD = 3;
  private static final int BULK_TRAILER = 4;
  private static final int INLINE = 5;
  private static final int FAILED = 6;

  /**
   * Before a client authenticates, Redis accepts at most this many arguments (CVE-2021-32675),
   * answering {@code Protocol error: unauthenticated multibulk length}.
   */
  public static final int UNAUTHENTICATED_MAX_MULTIBULK_LENGTH = 10;
  /** Before a client authenticates, Redis accepts bulk strings of at most this many bytes. */
  public static final long UNAUTHENTICATED_MAX_BULK_LEN = 16 * 1024;

  /** The bytes after a bulk payload ({@code \r\n}, unchecked, as in Redis). */
  private static final int BULK_TRAILER_BYTES = 2;
  /** Redis's string2ll rejects numbers written with LONG_STR_SIZE (21) or more characters. */
  private static final int MAX_NUMBER_CHARS = 20;
  private static final long ULLONG_MAX_DIV_10 = Long.divideUnsigned(-1L, 10);
  /** The fast path ({@link #parseWhole}) takes requests of at most this many bytes. */
  static final int FAST_PATH_MAX_REQUEST_BYTES = 16 * 1024;
  /** The fast path's numbers have at most this many digits, so they cannot overflow a long. */
  static final int FAST_PATH_MAX_DIGITS = 18;

  static final String INVALID_MULTIBULK_LENGTH = "Protocol error: invalid multibulk length";
  static final String INVALID_BULK_LENGTH = "Protocol error: invalid bulk length";
  static final String TOO_BIG_INLINE = "Protocol error: too big inline request";
  static final String TOO_BIG_MBULK_COUNT = "Protocol error: too big mbulk count string";
  static final String TOO_BIG_BULK_COUNT = "Protocol error: too big bulk count string";
  static final String UNBALANCED_QUOTES = "Protocol error: unbalanced quotes in request";
  static final String UNAUTHENTICATED_MULTIBULK_LENGTH =
      "Protocol error: unauthenticated multibulk length";
  static final String UNAUTHENTICATED_BULK_LENGTH = "Protocol error: unauthenticated bulk length";
  static final String QUERY_BUFFER_LIMIT = "client-query-buffer-limit exceeded";

  private final RespLimits limits;
  private final HeaderLineScanner headerScanner = new HeaderLineScanner();
  private final boolean fastPath;
  private boolean authRequired;

  private int state = START;
  private ProtocolException failure;
  /** Bytes of the current request consumed so far, for {@code client-query-buffer-limit}. */
  private long requestBytes;
  private int argsLeft;
  private long payloadLeft;
  private int trailerLeft;
  /** Bytes of the current inline line copied into the arena (its {@code \n} excluded). */
  private int inlineBytes;
  /** Where the line {@link #fastNumber} just read ends. */
  private int fastPos;

  public RequestParser(RespLimits limits) {
    this(limits, true);
  }

  /** With {@code fastPath} false, every request goes through the state machine (tests compare the two). */
  RequestParser(RespLimits limits, boolean fastPath) {
    this.limits = limits;
    this.fastPath = fastPath;
  }

  public RespLimits limits() {
    return limits;
  }

  /**
   * While true, requests get Redis's limits for unauthenticated clients ({@value
   * #UNAUTHENTICATED_MAX_MULTIBULK_LENGTH} arguments of at most {@value
   * #UNAUTHENTICATED_MAX_BULK_LEN} bytes). The server sets it when a password is required and the
   * client has not authenticated yet. Default false.
   */
  public void authRequired(boolean required) {
    this.authRequired = required;
  }

  /** Forgets any partial request and any failure, as for a fresh connection. */
  public void reset() {
    state = START;
    failure = null;
    requestBytes = 0;
  }

  /**
   * Consumes bytes from {@code in} until one request is complete or the input runs out. Requests
   * without a command ({@code *0}, {@code *-1}, blank lines) are consumed and skipped.
   *
   * @return true when {@code out} now holds a whole request; false when more bytes are needed
   *     (everything readable was consumed or is kept for the next call)
   * @throws ProtocolException when the input is not a valid request or exceeds a limit
   */
  public boolean parse(ByteBuf in, Request out) throws ProtocolException {
    try {
      return parse0(in, out);
    } catch (ProtocolException e) {
      state = FAILED;
      failure = e;
      throw e;
    }
  }

  private boolean parse0(ByteBuf in, Request out) throws ProtocolException {
    for (; ; ) {
      switch (state) {
        case START:
          if (!in.isReadable()) {
            return false;
          }
          out.reset();
          requestBytes = 0;
          if (in.getByte(in.readerIndex()) == '*') {
            if (fastPath && parseWhole(in, out)) {
              return true;
            }
            headerScanner.begin();
            state = MULTIBULK_COUNT;
          } else {
            out.inline = true;
            inlineBytes = 0;
            state = INLINE;
          }
          break;

        case MULTIBULK_COUNT:
          {
            if (!scanHeaderLine(in, TOO_BIG_MBULK_COUNT)) {
              return false;
            }
            HeaderLineScanner h = headerScanner;
            if (!h.numberValid()
                || h.value > Integer.MAX_VALUE
                || h.value > limits.maxMultibulkLength()) {
              throw new ProtocolException(INVALID_MULTIBULK_LENGTH);
            }
            if (h.value > UNAUTHENTICATED_MAX_MULTIBULK_LENGTH && authRequired) {
              throw new ProtocolException(UNAUTHENTICATED_MULTIBULK_LENGTH);
            }
            if (h.value <= 0) {
              state = START;
              break;
            }
            argsLeft = (int) h.value;
            h.begin();
            state = BULK_LENGTH;
            break;
          }

        case BULK_LENGTH:
          {
            if (!scanHeaderLine(in, TOO_BIG_BULK_COUNT)) {
              return false;
            }
            HeaderLineScanner h = headerScanner;
            if (h.first != '$') {
              throw new ProtocolException(
                  "Protocol error: expected '$', got '" + (char) (h.first & 0xff) + "'");
            }
            if (!h.numberValid() || h.value < 0 || h.value > limits.protoMaxBulkLen()) {
              throw new ProtocolException(INVALID_BULK_LENGTH);
            }
            if (h.value > UNAUTHENTICATED_MAX_BULK_LEN && authRequired) {
              throw new ProtocolException(UNAUTHENTICATED_BULK_LENGTH);
            }
            payloadLeft = h.value;
            out.startArg();
            state = BULK_PAYLOAD;
            break;
          }

        case BULK_PAYLOAD:
          if (payloadLeft > 0) {
            int n = (int) Math.min(in.readableBytes(), payloadLeft);
            if (n == 0) {
              return false;
            }
            consume(n);
            out.appendToLastArg(in, n, payloadLeft);
            payloadLeft -= n;
            if (payloadLeft > 0) {
              return false;
            }
          }
          trailerLeft = BULK_TRAILER_BYTES;
          state = BULK_TRAILER;
          break;

        case BULK_TRAILER:
          {
            int n = Math.min(in.readableBytes(), trailerLeft);
            consume(n);
            in.skipBytes(n);
            trailerLeft -= n;
            if (trailerLeft > 0) {
              return false;
            }
            if (--argsLeft == 0) {
              state = START;
              return true;
            }
            headerScanner.begin();
            state = BULK_LENGTH;
            break;
          }

        case INLINE:
          if (!scanInlineLine(in, out)) {
            return false;
          }
          state = START;
          int lineLength = inlineBytes;
          if (lineLength > 0 && out.arena[lineLength - 1] == '\r') {
            lineLength--;
          }
          if (!InlineSplitter.split(out, lineLength)) {
            throw new ProtocolException(UNBALANCED_QUOTES);
          }
          if (out.argc > 0) {
            return true;
          }
          break;

        case FAILED:
          throw failure;

        default:
          throw new AssertionError("state " + state);
      }
    }
  }

  /**
   * The fast path: a whole, plainly written multibulk request already in {@code in}, parsed in one
   * straight scan of its header lines (payloads are skipped by their lengths, not scanned) and
   * copied into the arena with one copy; the arguments are slices of that copy.
   *
   * <p>It takes only what the state machine would accept with the same result: every number
   * plain digits without a leading zero and at most {@value #FAST_PATH_MAX_DIGITS} of them, a
   * count of at least 1, every limit respected, every header starting with {@code $}, and the
   * whole request (at most {@value #FAST_PATH_MAX_REQUEST_BYTES} bytes) readable. Anything else
   * (a request split across reads, an error, a {@code *0}, a huge argument) returns false having
   * consumed nothing, and the state machine parses it from its first byte, so results and errors
   * never depend on which path ran.
   *
   * @return true when {@code out} holds the request and {@code in} has moved past it
   */
  private boolean parseWhole(ByteBuf in, Request out) {
    final int start = in.readerIndex();
    final int end = (int) Math.min(in.writerIndex(),
        start + Math.min(FAST_PATH_MAX_REQUEST_BYTES, limits.maxRequestBytes()));
    long count = fastNumber(in, start + 1, end);
    if (count < 1 || count > limits.maxMultibulkLength()
        || (authRequired && count > UNAUTHENTICATED_MAX_MULTIBULK_LENGTH)) {
      return false;
    }
    int p = fastPos;
    final long maxBulk = authRequired
        ? Math.min(limits.protoMaxBulkLen(), UNAUTHENTICATED_MAX_BULK_LEN)
        : limits.protoMaxBulkLen();
    for (long i = 0; i < count; i++) {
      if (p >= end || in.getByte(p) != '$') {
        out.reset();
        return false;
      }
      long len = fastNumber(in, p + 1, end);
      if (len < 0 || len > maxBulk || fastPos + len + BULK_TRAILER_BYTES > end) {
        out.reset();
        return false;
      }
      out.addSlice(fastPos - start, (int) len);
      p = fastPos + (int) len + BULK_TRAILER_BYTES;
    }
    out.copyRaw(in, p - start);
    return true;
  }

  /**
   * The digits of a header line from {@code p} (just after its {@code *} or {@code $}) through
   * its {@code \r} and the byte after it, for {@link #parseWhole}; sets {@link #fastPos} past the
   * line.
   *
   * @return the number, or -1 when the line is not plain digits, too long, or not all readable
   */
  private long fastNumber(ByteBuf in, int p, int end) {
    int stop = Math.min(end, p + FAST_PATH_MAX_DIGITS + 1);
    long v = 0;
    int q = p;
    for (; q < stop; q++) {
      int d = in.getByte(q) - '0';
      if (d < 0 || d > 9) {
        break;
      }
      v = v * 10 + d;
    }
    int digits = q - p;
    if (digits == 0 || q + 1 >= end || in.getByte(q) != '\r'
        || (digits > 1 && in.getByte(p) == '0') || digits + 1 > limits.maxInlineLength()) {
      return -1;
    }
    fastPos = q + 2;
    return v;
  }

  /**
   * Scans the current header line ({@code *n} or {@code $n}) through its terminator.
   *
   * @return true when the line and the byte after its {@code \r} have been consumed
   */
  private boolean scanHeaderLine(ByteBuf in, String tooBigMessage) throws ProtocolException {
    int from = in.readerIndex();
    int readable = in.writerIndex() - from;
    if (readable == 0) {
      return false;
    }
    HeaderLineScanner h = headerScanner;
    h.verdict = HeaderLineScanner.MORE;
    int stop = in.forEachByte(from, readable, h);
    in.readerIndex(stop < 0 ? from + readable : stop + 1);
    switch (h.verdict) {
      case HeaderLineScanner.MORE:
        return false;
      case HeaderLineScanner.COMPLETE:
        return true;
      case HeaderLineScanner.TOO_BIG:
        throw new ProtocolException(tooBigMessage);
      default:
        throw queryBufferLimit();
    }
  }

  /**
   * Copies the current inline line into the arena up to its {@code \n}.
   *
   * @return true when the whole line and its {@code \n} have been consumed
   */
  private boolean scanInlineLine(ByteBuf in, Request out) throws ProtocolException {
    int from = in.readerIndex();
    int readable = in.writerIndex() - from;
    if (readable == 0) {
      return false;
    }
    // The line may hold maxInlineLength bytes; the byte after them must be its '\n'.
    long room = (long) limits.maxInlineLength() - inlineBytes + 1;
    int window = (int) Math.min(readable, room);
    int newline = in.indexOf(from, from + window, (byte) '\n');
    if (newline >= 0) {
      int n = newline - from;
      consume(n + 1);
      out.appendRaw(in, n, n);
      in.skipBytes(1);
      inlineBytes += n;
      return true;
    }
    consume(window);
    if (inlineBytes + (long) window > limits.maxInlineLength()) {
      in.skipBytes(window);
      throw new ProtocolException(TOO_BIG_INLINE);
    }
    out.appendRaw(in, window, room);
    inlineBytes += window;
    return false;
  }

  private void consume(int n) throws ProtocolException {
    if (requestBytes + n > limits.maxRequestBytes()) {
      throw queryBufferLimit();
    }
    requestBytes += n;
  }

  private ProtocolException queryBufferLimit() {
    return new ProtocolException(
        QUERY_BUFFER_LIMIT + " (" + limits.maxRequestBytes() + " bytes)", false);
  }

  /**
   * Scans a {@code *n} / {@code $n} header line one byte at a time, parsing the number as it
   * goes with the rules of Redis's {@code string2ll}. Its state survives between calls, so a line
   * split across reads is never scanned twice.
   */
  private final class HeaderLineScanner implements ByteProcessor {
    static final int MORE = 0;
    static final int COMPLETE = 1;
    static final int TOO_BIG = 2;
    static final int REQUEST_TOO_BIG = 3;

    int verdict;
    /** The line's first byte: {@code *}, {@code $}, or what a client wrongly sent instead. */
    byte first;
    /** Bytes of the line before its {@code \r}, the first byte included. */
    int lineBytes;
    boolean sawCr;
    /** Characters of the number (everything after the first byte, before {@code \r}). */
    int numberChars;
    boolean negative;
    boolean zeroOnly;
    boolean numberBad;
    /** Unsigned magnitude of the number so far. */
    long magnitude;
    /** The number, once {@link #numberValid()} returned true. */
    long value;

    void begin() {
      lineBytes = 0;
      sawCr = false;
      numberChars = 0;
      negative = false;
      zeroOnly = false;
      numberBad = false;
      magnitude = 0;
    }

    @Override
    public boolean process(byte b) {
      if (++requestBytes > limits.maxRequestBytes()) {
        verdict = REQUEST_TOO_BIG;
        return false;
      }
      if (sawCr) {
        verdict = COMPLETE; // Redis skips the byte after '\r' without looking at it
        return false;
      }
      if (lineBytes == 0) {
        first = b;
      }
      if (b == '\r') {
        sawCr = true;
        return true;
      }
      if (lineBytes > 0) {
        numberChar(b);
      }
      if (++lineBytes > limits.maxInlineLength()) {
        verdict = TOO_BIG;
        return false;
      }
      return true;
    }

    private void numberChar(byte b) {
      int k = numberChars++;
      if (numberBad) {
        return;
      }
      if (k >= MAX_NUMBER_CHARS || zeroOnly) {
        numberBad = true;
        return;
      }
      if (k == 0 && b == '-') {
        negative = true;
        return;
      }
      if (b < '0' || b > '9') {
        numberBad = true;
        return;
      }
      int digit = b - '0';
      if (k == (negative ? 1 : 0) && digit == 0) {
        // "0" alone is zero; any other leading zero (or "-0") is invalid.
        if (negative) {
          numberBad = true;
        } else {
          zeroOnly = true;
        }
        return;
      }
      if (Long.compareUnsigned(magnitude, ULLONG_MAX_DIV_10) > 0) {
        numberBad = true;
        return;
      }
      magnitude *= 10;
      if (Long.compareUnsigned(magnitude, -1L - digit) > 0) {
        numberBad = true;
        return;
      }
      magnitude += digit;
    }

    /** True when the characters after the first byte form a number string2ll accepts. */
    boolean numberValid() {
      if (numberBad || numberChars == 0 || (negative && numberChars == 1)) {
        return false;
      }
      if (negative) {
        if (Long.compareUnsigned(magnitude, Long.MIN_VALUE) > 0) {
          return false;
        }
        value = -magnitude;
      } else {
        if (magnitude < 0) {
          return false;
        }
        value = magnitude;
      }
      return true;
    }
  }
}
