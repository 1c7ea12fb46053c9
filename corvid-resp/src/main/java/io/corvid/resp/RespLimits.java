package io.corvid.resp;

/**
 * Limits the request parser enforces before it allocates anything. Each has a named default that
 * matches Redis 7 where Redis has one.
 *
 * @param protoMaxBulkLen largest bulk string accepted ({@code proto-max-bulk-len}, 512 MiB)
 * @param maxMultibulkLength most arguments in one request (1,048,576)
 * @param maxInlineLength longest inline command line (64 KiB, Redis's PROTO_INLINE_MAX_SIZE)
 */
public record RespLimits(long protoMaxBulkLen, int maxMultibulkLength, int maxInlineLength) {
  public static final long DEFAULT_PROTO_MAX_BULK_LEN = 512L * 1024 * 1024;
  public static final int DEFAULT_MAX_MULTIBULK_LENGTH = 1024 * 1024;
  public static final int DEFAULT_MAX_INLINE_LENGTH = 64 * 1024;

  public static RespLimits defaults() {
    return new RespLimits(DEFAULT_PROTO_MAX_BULK_LEN, DEFAULT_MAX_MULTIBULK_LENGTH, DEFAULT_MAX_INLINE_LENGTH);
  }
}
