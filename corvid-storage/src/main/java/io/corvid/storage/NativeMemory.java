package io.corvid.storage;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The C allocator (glibc malloc) and raw access to native memory, through the FFM API.
 *
 * <p>Pointers cross the boundary as {@code long} (no {@link MemorySegment} per call) and the
 * downcalls are {@code critical}: they neither block nor call back, so the JVM skips the thread
 * state transition. Reads and writes go through one segment spanning the whole address space,
 * so an access is a plain load or store at an absolute address with no object behind it.
 *
 * <p>What a chunk costs is what the allocator really takes: {@code malloc_usable_size(p) + 8}
 * (glibc's chunk header). The meter charges exactly that, so {@code usedMemory} follows the
 * process's real use rather than the bytes asked for.
 *
 * <p>Nothing here checks bounds: callers own the layout. It is package-private for that reason.
 */
final class NativeMemory {
  /** glibc's per-chunk overhead beyond malloc_usable_size (the size field). */
  static final int CHUNK_OVERHEAD_BYTES = 8;

  static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

  private static final VarHandle LONG_IN_ARRAY =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

  private static final MethodHandle MALLOC;
  private static final MethodHandle FREE;
  private static final MethodHandle USABLE_SIZE;
  private static final MethodHandle TRIM;

  static {
    Linker linker = Linker.nativeLinker();
    SymbolLookup libc = linker.defaultLookup();
    Linker.Option critical = Linker.Option.critical(false);
    MALLOC = linker.downcallHandle(libc.find("malloc").orElseThrow(),
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), critical);
    FREE = linker.downcallHandle(libc.find("free").orElseThrow(),
        FunctionDescriptor.ofVoid(JAVA_LONG), critical);
    USABLE_SIZE = linker.downcallHandle(libc.find("malloc_usable_size").orElseThrow(),
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), critical);
    TRIM = libc.find("malloc_trim")
        .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(JAVA_INT, JAVA_LONG)))
        .orElse(null);
  }

  private NativeMemory() {}

  /** Allocates {@code bytes}; throws OutOfMemoryError when malloc fails. */
  static long malloc(long bytes) {
    long address;
    try {
      address = (long) MALLOC.invokeExact(bytes);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
    if (address == 0) {
      throw new OutOfMemoryError("malloc(" + bytes + ") failed");
    }
    return address;
  }

  static void free(long address) {
    try {
      FREE.invokeExact(address);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** Bytes the allocator holds for a chunk: usable size plus its header. */
  static long chunkBytes(long address) {
    try {
      return (long) USABLE_SIZE.invokeExact(address) + CHUNK_OVERHEAD_BYTES;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  static long usableBytes(long address) {
    return chunkBytes(address) - CHUNK_OVERHEAD_BYTES;
  }

  /** Gives free heap memory back to the operating system (after a flush). */
  static void trim() {
    if (TRIM != null) {
      try {
        int ignored = (int) TRIM.invokeExact(0L);
      } catch (Throwable t) {
        throw new AssertionError(t);
      }
    }
  }

  static byte getByte(long address) {
    return ALL.get(JAVA_BYTE, address);
  }

  static void putByte(long address, byte value) {
    ALL.set(JAVA_BYTE, address, value);
  }

  static int getInt(long address) {
    return ALL.get(JAVA_INT_UNALIGNED, address);
  }

  static void putInt(long address, int value) {
    ALL.set(JAVA_INT_UNALIGNED, address, value);
  }

  static long getLong(long address) {
    return ALL.get(JAVA_LONG_UNALIGNED, address);
  }

  static void putLong(long address, long value) {
    ALL.set(JAVA_LONG_UNALIGNED, address, value);
  }

  static void copyFromArray(byte[] src, int srcOff, long dstAddress, int len) {
    MemorySegment.copy(src, srcOff, ALL, JAVA_BYTE, dstAddress, len);
  }

  static void copyToArray(long srcAddress, byte[] dst, int dstOff, int len) {
    MemorySegment.copy(ALL, JAVA_BYTE, srcAddress, dst, dstOff, len);
  }

  static void copy(long srcAddress, long dstAddress, long len) {
    MemorySegment.copy(ALL, srcAddress, ALL, dstAddress, len);
  }

  /** True when {@code len} bytes at {@code address} equal {@code array[off, off+len)}. */
  static boolean equals(long address, byte[] array, int off, int len) {
    int i = 0;
    for (; i + 8 <= len; i += 8) {
      if (getLong(address + i) != (long) LONG_IN_ARRAY.get(array, off + i)) {
        return false;
      }
    }
    for (; i < len; i++) {
      if (getByte(address + i) != array[off + i]) {
        return false;
      }
    }
    return true;
  }

  static long readLongFromArray(byte[] array, int off) {
    return (long) LONG_IN_ARRAY.get(array, off);
  }
}
