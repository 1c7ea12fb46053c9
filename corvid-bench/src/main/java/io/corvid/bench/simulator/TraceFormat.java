package io.corvid.bench.simulator;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The trace formats of {@code shared/traces/README.md}, one per folder. Each reads an already
 * decompressed stream and hands every request to a {@link RequestSink} in order.
 */
public enum TraceFormat {

  /** {@code start_block num_blocks ignored request_id}: one line is num_blocks requests. */
  ARC("arc", false) {
    @Override
    void read(InputStream in, RequestSink sink) throws IOException {
      readLines(in, (fields, lineNumber) -> {
        if (fields.count() == 0) {
          return;
        }
        if (fields.count() < 2) {
          throw fields.malformed(lineNumber, "expected 'start_block num_blocks ...'");
        }
        long start = fields.decimal(0);
        long blocks = fields.decimal(1);
        if (blocks < 0) {
          throw fields.malformed(lineNumber, "negative block count");
        }
        for (long b = 0; b < blocks; b++) {
          sink.accept(start + b, 1);
        }
      });
    }
  },

  /** One decimal key per line; lines holding {@code *} and blank lines are skipped. */
  LIRS("lirs", false) {
    @Override
    void read(InputStream in, RequestSink sink) throws IOException {
      readLines(in, (fields, lineNumber) -> {
        if (fields.count() == 0 || fields.line().indexOf('*') >= 0) {
          return;
        }
        sink.accept(fields.decimal(0), 1);
      });
    }
  },

  /** Big-endian signed int32 per request; the whole int is the key. */
  CACHE2K("cache2k", false) {
    @Override
    void read(InputStream in, RequestSink sink) throws IOException {
      DataInputStream data = new DataInputStream(in);
      byte[] record = new byte[Integer.BYTES];
      while (readRecord(data, record)) {
        sink.accept(((record[0] & 0xff) << 24 | (record[1] & 0xff) << 16
            | (record[2] & 0xff) << 8 | (record[3] & 0xff)), 1);
      }
    }
  },

  /** Big-endian signed int64 per request. */
  SCARAB("scarab", false) {
    @Override
    void read(InputStream in, RequestSink sink) throws IOException {
      DataInputStream data = new DataInputStream(in);
      byte[] record = new byte[Long.BYTES];
      while (readRecord(data, record)) {
        long key = 0;
        for (byte b : record) {
          key = key << 8 | (b & 0xff);
        }
        sink.accept(key, 1);
      }
    }
  },

  /** {@code <l|s> 0x<hex address> <n>}: the key is the address. */
  ADDRESS("address", false) {
    @Override
    void read(InputStream in, RequestSink sink) throws IOException {
      readLines(in, (fields, lineNumber) -> {
        if (fields.count() == 0) {
          return;
        }
        if (fields.count() < 2) {
          throw fields.malformed(lineNumber, "expected '<l|s> 0x<address> <n>'");
        }
        sink.accept(fields.hex(1), 1);
      });
    }
  },

  /** {@code time id size}: the key is (id, size) and the request weighs size. */
  ADAPT_SIZE("adapt_size", true) {
    @Override
    void read(InputStream in, RequestSink sink) throws IOException {
      readLines(in, (fields, lineNumber) -> {
        if (fields.count() == 0) {
          return;
        }
        if (fields.count() < 3) {
          throw fields.malformed(lineNumber, "expected 'time id size'");
        }
        long id = fields.decimal(1);
        long size = fields.decimal(2);
        if (id < 0 || id > Integer.MAX_VALUE || size <= 0 || size > Integer.MAX_VALUE) {
          throw fields.malformed(lineNumber, "id or size out of range");
        }
        // Both halves fit in 32 bits, so packing them is an exact (id, size) key.
        sink.accept(id << 32 | size, (int) size);
      });
    }
  };

  private final String folder;
  private final boolean weighted;

  TraceFormat(String folder, boolean weighted) {
    this.folder = folder;
    this.weighted = weighted;
  }

  /** The folder under shared/traces that holds traces of this format, and its --format name. */
  public String folder() {
    return folder;
  }

  public boolean weighted() {
    return weighted;
  }

  abstract void read(InputStream in, RequestSink sink) throws IOException;

  /** Parses a --format value: a folder name ({@code arc}, {@code adapt_size}, ...), any case. */
  public static TraceFormat parse(String name) {
    String lower = name.toLowerCase(Locale.ROOT).replace('-', '_');
    for (TraceFormat f : values()) {
      if (f.folder.equals(lower)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown trace format '" + name + "'; known: " + knownNames());
  }

  /** The format of a trace file, from the name of the folder it sits in; null when unknown. */
  public static TraceFormat ofPath(Path file) {
    for (Path dir = file.toAbsolutePath().getParent(); dir != null; dir = dir.getParent()) {
      if (dir.getFileName() == null) {
        break;
      }
      String folderName = dir.getFileName().toString().toLowerCase(Locale.ROOT);
      for (TraceFormat f : values()) {
        if (f.folder.equals(folderName)) {
          return f;
        }
      }
    }
    String fileName = file.getFileName().toString();
    return fileName.contains(".lis") ? ARC : null;
  }

  static String knownNames() {
    StringBuilder names = new StringBuilder();
    for (TraceFormat f : values()) {
      names.append(names.isEmpty() ? "" : ", ").append(f.folder);
    }
    return names.toString();
  }

  /** Reads a fixed-size record; false at a clean end of stream, an error on a torn record. */
  private static boolean readRecord(DataInputStream data, byte[] record) throws IOException {
    int n = data.readNBytes(record, 0, record.length);
    if (n == record.length) {
      return true;
    }
    if (n == 0) {
      return false;
    }
    throw new EOFException("trace ends inside a " + record.length + "-byte record");
  }

  @FunctionalInterface
  private interface LineHandler {
    void line(LineFields fields, long lineNumber);
  }

  private static void readLines(InputStream in, LineHandler handler) throws IOException {
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1), 1 << 16);
    LineFields fields = new LineFields();
    long lineNumber = 0;
    for (String line; (line = reader.readLine()) != null; ) {
      lineNumber++;
      try {
        handler.line(fields.split(line), lineNumber);
      } catch (NumberFormatException e) {
        throw fields.malformed(lineNumber, e.getMessage());
      }
    }
  }
}
