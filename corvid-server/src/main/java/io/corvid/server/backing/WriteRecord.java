package io.corvid.server.backing;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One write to a backing store: the row of {@code id} in the store of {@code prefix} gets
 * {@code columns} (other columns keep their values), or is deleted; {@code version} orders it
 * against every other write of the node (see {@link BackingStores#nextVersion}).
 *
 * <p>The write-behind log holds these, one per acknowledged write. The encoded form is
 * {@code version:long op:byte prefix id ncols (name null? value)*}, strings as
 * {@code length:int utf8}.
 */
record WriteRecord(String prefix, String id, boolean delete, Map<String, String> columns, long version) {
  static final byte OP_UPSERT = 1;
  static final byte OP_DELETE = 2;

  String fullKey() {
    return prefix + id;
  }

  byte[] encode() {
    ByteBuffer b = encodeTo(ByteBuffer.allocate(64));
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  /**
   * Appends the encoded record at {@code b}'s position and returns the buffer holding it: {@code b}
   * itself, or a bigger heap copy of it when it had no room (so callers can keep one scratch buffer).
   */
  ByteBuffer encodeTo(ByteBuffer b) {
    byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
    byte[] k = id.getBytes(StandardCharsets.UTF_8);
    b = room(b, 8 + 1 + 4 + p.length + 4 + k.length + 4);
    b.putLong(version).put(delete ? OP_DELETE : OP_UPSERT);
    b.putInt(p.length).put(p).putInt(k.length).put(k).putInt(columns.size());
    for (Map.Entry<String, String> e : columns.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      byte[] value = e.getValue() == null ? null : e.getValue().getBytes(StandardCharsets.UTF_8);
      b = room(b, 4 + name.length + 1 + (value == null ? 0 : 4 + value.length));
      b.putInt(name.length).put(name).put((byte) (value == null ? 1 : 0));
      if (value != null) {
        b.putInt(value.length).put(value);
      }
    }
    return b;
  }

  private static ByteBuffer room(ByteBuffer b, int n) {
    if (b.remaining() >= n) {
      return b;
    }
    ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n));
    bigger.put(b.array(), 0, b.position());
    return bigger;
  }

  static WriteRecord decode(DataInputStream in) throws IOException {
    long version = in.readLong();
    byte op = in.readByte();
    if (op != OP_UPSERT && op != OP_DELETE) {
      throw new IOException("bad write-behind record operation " + op);
    }
    String prefix = readString(in);
    String id = readString(in);
    int n = in.readInt();
    if (n < 0 || n > BackingStoreSpec.MAX_VALUE_COLUMNS) {
      throw new IOException("bad write-behind record column count " + n);
    }
    Map<String, String> cols = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String name = readString(in);
      boolean isNull = in.readBoolean();
      cols.put(name, isNull ? null : readString(in));
    }
    return new WriteRecord(prefix, id, op == OP_DELETE, cols, version);
  }

  private static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("bad write-behind record string length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
