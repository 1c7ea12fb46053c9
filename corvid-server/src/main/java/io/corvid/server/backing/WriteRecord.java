package io.corvid.server.backing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
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
  private static final byte OP_UPSERT = 1;
  private static final byte OP_DELETE = 2;

  String fullKey() {
    return prefix + id;
  }

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeLong(version);
      out.writeByte(delete ? OP_DELETE : OP_UPSERT);
      writeString(out, prefix);
      writeString(out, id);
      out.writeInt(columns.size());
      for (Map.Entry<String, String> e : columns.entrySet()) {
        writeString(out, e.getKey());
        out.writeBoolean(e.getValue() == null);
        if (e.getValue() != null) {
          writeString(out, e.getValue());
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e); // in memory: cannot happen
    }
    return bytes.toByteArray();
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

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
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
