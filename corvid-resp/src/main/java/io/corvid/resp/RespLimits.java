package io.corvid.resp;

/**
 * Limits the request parser enforces before it allocates anything. Each has a named default that
 * matches Redis 7, and each is named after the Redis setting or constant it mirrors.
 *
 * <p>The parser never trusts a declared length: {@code $536870912} is checked against {@link
 * #protoMaxBulkLen} and then the argument grows only as its bytes actually arrive, and {@code
 * *1048576} reserves no argument slots up front.
 *
 * @param protoMaxBulkLen largest bulk string accepted, in bytes ({@code proto-max-bulk-len},
 *     512 MiB). A larger {@code $len} header fails with {@code Protocol error: invalid bulk
 *     length}.
 * @param maxMultibulkLength most arguments in one request (1,048,576, the historical Redis bound
 *     that Redis 6 enforced; Redis 7 accepts up to INT_MAX and relies on the query buffer limit).
 *     A larger {@code *n} header fails with {@code Protocol error: invalid multibulk length}.
 * @param maxInlineLength longest line without a terminator, in bytes (64 KiB, Redis's {@code
 *     PROTO_INLINE_MAX_SIZE}). Bounds inline commands ({@code Protocol error: too big inline
 *     request}) and the {@code *n} / {@code $n} header lines ({@code too big mbulk count string},
 *     {@code too big bulk count string}).
 * @param maxRequestBytes most bytes one pending request may occupy, headers and payload included
 *     ({@code client-query-buffer-limit}, 1 GiB). Exceeding it raises a {@link ProtocolException}
 *     whose {@link ProtocolException#replyBeforeClose()} is false: Redis closes such a client
 *     without a reply. At most {@link #MAX_REQUEST_BYTES_CEILING}, the most a Java array holds.
 */
public record RespLimits(
    long protoMaxBulkLen, int maxMultibulkLength, int maxInlineLength, long maxRequestBytes) {
  public static final long DEFAULT_PROTO_MAX_BULK_LEN = 512L * 1024 * 1024;
  public static final int DEFAULT_MAX_MULTIBULK_LENGTH = 1024 * 1024;
  public static final int DEFAULT_MAX_INLINE_LENGTH = 64 * 1024;
  public static final long DEFAULT_MAX_REQUEST_BYTES = 1024L * 1024 * 1024;
  /** The arguments of one request live in one byte array, so no limit can exceed its capacity. */
  public static final long MAX_REQUEST_BYTES_CEILING = Integer.MAX_VALUE - 16;

  public RespLimits {
    if (protoMaxBulkLen < 0 || maxMultibulkLength < 0 || maxInlineLength < 0) {
      throw new IllegalArgumentException("limits must not be negative");
    }
    if (maxRequestBytes < 1 || maxRequestBytes > MAX_REQUEST_BYTES_CEILING) {
      throw new IllegalArgumentException(
          "maxRequestBytes must be in [1, " + MAX_REQUEST_BYTES_CEILING + "]: " + maxRequestBytes);
    }
  }

  /** The three Redis protocol limits with the default {@code client-query-buffer-limit}. */
  public RespLimits(long protoMaxBulkLen, int maxMultibulkLength, int maxInlineLength) {
    this(protoMaxBulkLen, maxMultibulkLength, maxInlineLength, DEFAULT_MAX_REQUEST_BYTES);
  }

  public static RespLimits defaults() {
    return new RespLimits(
        DEFAULT_PROTO_MAX_BULK_LEN,
        DEFAULT_MAX_MULTIBULK_LENGTH,
        DEFAULT_MAX_INLINE_LENGTH,
        DEFAULT_MAX_REQUEST_BYTES);
  }

  public RespLimits withProtoMaxBulkLen(long bytes) {
    return new RespLimits(bytes, maxMultibulkLength, maxInlineLength, maxRequestBytes);
  }

  public RespLimits withMaxMultibulkLength(int args) {
    return new RespLimits(protoMaxBulkLen, args, maxInlineLength, maxRequestBytes);
  }

  public RespLimits withMaxInlineLength(int bytes) {
    return new RespLimits(protoMaxBulkLen, maxMultibulkLength, bytes, maxRequestBytes);
  }

  public RespLimits withMaxRequestBytes(long bytes) {
    return new RespLimits(protoMaxBulkLen, maxMultibulkLength, maxInlineLength, bytes);
  }
}
