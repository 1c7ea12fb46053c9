package io.corvid.server.command.data;

import io.corvid.resp.RespWriter;
import io.corvid.storage.Keyspace;
import io.netty.buffer.ByteBuf;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Writes a string value straight from the keyspace into the reply buffer, the hot path of GET.
 * Nothing is allocated on the common paths: an off-heap value goes to a direct buffer by a raw
 * memory copy, and any value goes to a heap buffer by {@link Keyspace#copyString} into its array.
 * Only a direct buffer without a usable address falls back to a per-thread scratch array.
 */
public final class StringValues {
  /** All of memory, so a raw address can be used as an offset (the copy is bounds-checked by us). */
  private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
  /** Largest chunk copied through the scratch array at once. */
  static final int SCRATCH_CHUNK_BYTES = 64 * 1024;
  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[SCRATCH_CHUNK_BYTES]);

  private StringValues() {}

  /** Writes the string value of {@code ref} as a bulk string. The caller checked its type. */
  public static void writeBulk(Keyspace keyspace, long ref, ByteBuf out) {
    writeBulkRange(keyspace, ref, 0, keyspace.stringLength(ref), out);
  }

  /** Writes {@code len} bytes of the value from {@code from} as a bulk string (GETRANGE). */
  public static void writeBulkRange(Keyspace keyspace, long ref, int from, int len, ByteBuf out) {
    RespWriter.bulkHeader(out, len);
    out.ensureWritable(len + 2);
    int at = out.writerIndex();
    long src = keyspace.stringAddress(ref);
    if (src != 0 && out.hasMemoryAddress()) {
      MemorySegment.copy(ALL, src + from, ALL, out.memoryAddress() + at, len);
    } else if (out.hasArray()) {
      keyspace.copyString(ref, from, out.array(), out.arrayOffset() + at, len);
    } else if (src != 0 && out.nioBufferCount() == 1) {
      MemorySegment.copy(ALL, src + from, MemorySegment.ofBuffer(out.internalNioBuffer(at, len)), 0, len);
    } else {
      byte[] scratch = SCRATCH.get();
      for (int done = 0; done < len; ) {
        int n = Math.min(scratch.length, len - done);
        keyspace.copyString(ref, from + done, scratch, 0, n);
        out.setBytes(at + done, scratch, 0, n);
        done += n;
      }
    }
    out.writerIndex(at + len);
    RespWriter.crlf(out);
  }
}
