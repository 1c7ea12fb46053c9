package io.corvid.resp;

import java.nio.charset.StandardCharsets;

/**
 * One parsed command: its arguments as slices of a reusable byte arena. One instance per
 * connection, refilled by {@link RequestParser} for every command, so parsing allocates nothing
 * once the arena has grown to the connection's usual request size.
 *
 * <p>Argument 0 is the command name. Slices stay valid until the next {@code parse} into this
 * request.
 */
public final class Request {
  /** After a request bigger than this, the arena is shrunk back so one huge SET does not pin memory. */
  static final int ARENA_RETAIN_BYTES = 64 * 1024;
  private static final int INITIAL_ARENA_BYTES = 512;
  private static final int INITIAL_ARGS = 8;
  /** The largest array the JVMs we run on allocate; RespLimits keeps requests below it. */
  private static final long MAX_ARENA_BYTES = RespLimits.MAX_REQUEST_BYTES_CEILING;

  byte[] arena = new byte[INITIAL_ARENA_BYTES];
  int arenaUsed;
  int[] offsets = new int[INITIAL_ARGS];
  int[] lengths = new int[INITIAL_ARGS];
  int argc;
  boolean inline;

  public int argc() {
    return argc;
  }

  /** The array all argument slices point into. */
  public byte[] buffer() {
    return arena;
  }

  public int offset(int i) {
    checkIndex(i);
    return offsets[i];
  }

  public int length(int i) {
    checkIndex(i);
    return lengths[i];
  }

  /** Bytes the request occupies in the arena (its arguments, or the raw request when parsed whole). */
  public int arenaBytes() {
    return arenaUsed;
  }

  /** True when the command came as an inline (telnet-style) line rather than a RESP array. */
  public boolean isInline() {
    return inline;
  }

  /** A copy of argument {@code i}. Allocates. */
  public byte[] bytes(int i) {
    checkIndex(i);
    byte[] out = new byte[lengths[i]];
    System.arraycopy(arena, offsets[i], out, 0, lengths[i]);
    return out;
  }

  /** Argument {@code i} decoded as UTF-8. Allocates. */
  public String string(int i) {
    checkIndex(i);
    return new String(arena, offsets[i], lengths[i], StandardCharsets.UTF_8);
  }

  /**
   * True when argument {@code i} equals {@code upperAscii} ignoring ASCII case. {@code upperAscii}
   * must hold upper-case ASCII; compares without allocating.
   */
  public boolean equalsIgnoreCase(int i, byte[] upperAscii) {
    checkIndex(i);
    int len = lengths[i];
    if (len != upperAscii.length) {
      return false;
    }
    int off = offsets[i];
    for (int j = 0; j < len; j++) {
      int b = arena[off + j];
      if (b >= 'a' && b <= 'z') {
        b -= 32;
      }
      if (b != upperAscii[j]) {
        return false;
      }
    }
    return true;
  }

  /** Replaces the arguments with the given ones (used for tests, MULTI queues and internal calls). */
  public void set(byte[]... args) {
    reset();
    for (byte[] a : args) {
      appendArg(a, 0, a.length);
    }
  }

  /** A deep copy, for queueing (MULTI) beyond the next parse. */
  public Request copy() {
    Request r = new Request();
    r.arena = java.util.Arrays.copyOf(arena, Math.max(arenaUsed, 1));
    r.arenaUsed = arenaUsed;
    r.offsets = java.util.Arrays.copyOf(offsets, Math.max(argc, 1));
    r.lengths = java.util.Arrays.copyOf(lengths, Math.max(argc, 1));
    r.argc = argc;
    r.inline = inline;
    return r;
  }

  void reset() {
    argc = 0;
    arenaUsed = 0;
    inline = false;
    if (arena.length > ARENA_RETAIN_BYTES) {
      arena = new byte[INITIAL_ARENA_BYTES];
    }
  }

  /** Reserves room for an argument of {@code len} bytes and returns its offset in the arena. */
  int beginArg(int len) {
    ensureSlots();
    ensureArena(len);
    int off = arenaUsed;
    offsets[argc] = off;
    lengths[argc] = len;
    argc++;
    arenaUsed += len;
    return off;
  }

  void appendArg(byte[] src, int off, int len) {
    int at = beginArg(len);
    System.arraycopy(src, off, arena, at, len);
  }

  /**
   * Opens an empty argument at the end of the arena; {@link #appendToLastArg} fills it. The
   * argument's final size is not reserved: it grows as its bytes arrive.
   */
  void startArg() {
    ensureSlots();
    offsets[argc] = arenaUsed;
    lengths[argc] = 0;
    argc++;
  }

  /**
   * Moves {@code n} readable bytes of {@code in} to the end of the last argument. {@code
   * stillExpected} (at least {@code n}) is how many bytes the argument still lacks, so the arena
   * never grows past what the declared length needs.
   */
  void appendToLastArg(io.netty.buffer.ByteBuf in, int n, long stillExpected) {
    appendRaw(in, n, stillExpected);
    lengths[argc - 1] += n;
  }

  /** Moves {@code n} readable bytes of {@code in} to the arena without making them an argument. */
  void appendRaw(io.netty.buffer.ByteBuf in, int n, long stillExpected) {
    ensureArena(n, stillExpected);
    in.readBytes(arena, arenaUsed, n);
    arenaUsed += n;
  }

  /**
   * Moves {@code n} readable bytes of {@code in} to the start of the arena (empty before). Uses
   * {@code readBytes}, not {@code getBytes}: on a direct buffer without Unsafe, Netty's {@code
   * getBytes} duplicates the NIO buffer, an allocation per call.
   */
  void copyRaw(io.netty.buffer.ByteBuf in, int n) {
    ensureArena(n, n);
    in.readBytes(arena, 0, n);
    arenaUsed = n;
  }

  /** Records an argument that is already in the arena (inline commands are split in place). */
  void addSlice(int off, int len) {
    ensureSlots();
    offsets[argc] = off;
    lengths[argc] = len;
    argc++;
  }

  private void ensureSlots() {
    if (argc == offsets.length) {
      int n = offsets.length * 2;
      offsets = java.util.Arrays.copyOf(offsets, n);
      lengths = java.util.Arrays.copyOf(lengths, n);
    }
  }

  private void ensureArena(int more) {
    ensureArena(more, MAX_ARENA_BYTES);
  }

  /**
   * Makes room for {@code more} bytes, doubling for amortised growth but never past {@code
   * upTo} bytes beyond what is used, so a 512 MiB argument ends in a 512 MiB array, not 1 GiB.
   */
  private void ensureArena(int more, long upTo) {
    long need = (long) arenaUsed + more;
    if (need > arena.length) {
      long cap = Math.max(need, Math.min((long) arenaUsed + Math.max(upTo, more), MAX_ARENA_BYTES));
      long n = Math.max(need, Math.min((long) arena.length * 2, cap));
      if (n > MAX_ARENA_BYTES) {
        throw new IllegalStateException("request too large");
      }
      arena = java.util.Arrays.copyOf(arena, (int) n);
    }
  }

  private void checkIndex(int i) {
    if (i < 0 || i >= argc) {
      throw new IndexOutOfBoundsException("argument " + i + " of " + argc);
    }
  }
}
