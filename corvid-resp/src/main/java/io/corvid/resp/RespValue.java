package io.corvid.resp;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A reply as {@link RespReader} reads it: an immutable tree of RESP2/RESP3 values. Meant for the
 * Java client and for tests, not for the server's hot path (which writes replies with {@link
 * RespWriter} and never builds values).
 *
 * <p>RESP2's null bulk string ({@code $-1}) and null array ({@code *-1}) read as {@link Null},
 * like RESP3's {@code _}. Blob errors ({@code !}) read as {@link ErrorReply} with {@code
 * blob=true}. An attribute ({@code |}) is returned wrapped around the value it precedes.
 */
public sealed interface RespValue {
  /** The RESP type byte this value was read from ({@code +}, {@code -}, {@code $}, ...). */
  char typeByte();

  static RespValue simple(String text) {
    return new SimpleString(text);
  }

  static RespValue error(String message) {
    return new ErrorReply(message, false);
  }

  static RespValue integer(long value) {
    return new Int(value);
  }

  static RespValue bulk(String utf8) {
    return new Bulk(utf8.getBytes(StandardCharsets.UTF_8));
  }

  static RespValue bulk(byte[] bytes) {
    return new Bulk(bytes);
  }

  static RespValue array(RespValue... elements) {
    return new Array(List.of(elements));
  }

  /** {@code +text}: a line of text without CR or LF. */
  record SimpleString(String text) implements RespValue {
    public SimpleString {
      Objects.requireNonNull(text);
    }

    @Override
    public char typeByte() {
      return '+';
    }
  }

  /** {@code -message} or RESP3's {@code !len} blob error. */
  record ErrorReply(String message, boolean blob) implements RespValue {
    public ErrorReply {
      Objects.requireNonNull(message);
    }

    /** The error code: the first word, {@code ERR}, {@code WRONGTYPE}, {@code MOVED}, ... */
    public String code() {
      int space = message.indexOf(' ');
      return space < 0 ? message : message.substring(0, space);
    }

    @Override
    public char typeByte() {
      return blob ? '!' : '-';
    }
  }

  /** {@code :n}. */
  record Int(long value) implements RespValue {
    @Override
    public char typeByte() {
      return ':';
    }
  }

  /** {@code $len}: binary-safe bytes. */
  final class Bulk implements RespValue {
    private final byte[] bytes;

    /** Takes a copy: the value stays immutable. */
    public Bulk(byte[] bytes) {
      this(bytes.clone(), true);
    }

    /** Adopts {@code bytes} without copying: for the reader, which hands over a fresh array. */
    Bulk(byte[] bytes, boolean owned) {
      this.bytes = Objects.requireNonNull(bytes);
    }

    public int length() {
      return bytes.length;
    }

    public byte byteAt(int i) {
      return bytes[i];
    }

    /** A copy of the bytes. */
    public byte[] bytes() {
      return bytes.clone();
    }

    public String asString() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public char typeByte() {
      return '$';
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bulk && Arrays.equals(bytes, ((Bulk) o).bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Bulk[" + new String(bytes, StandardCharsets.ISO_8859_1) + "]";
    }
  }

  /** RESP3 {@code _}, RESP2 {@code $-1} and {@code *-1}. */
  final class Null implements RespValue {
    public static final Null INSTANCE = new Null();

    private Null() {}

    @Override
    public char typeByte() {
      return '_';
    }

    @Override
    public String toString() {
      return "Null";
    }
  }

  /** {@code *n}. */
  record Array(List<RespValue> elements) implements RespValue {
    public Array {
      elements = List.copyOf(elements);
    }

    @Override
    public char typeByte() {
      return '*';
    }
  }

  /** One key/value pair of a {@link MapValue} or an {@link Attribute}. */
  record Entry(RespValue key, RespValue value) {
    public Entry {
      Objects.requireNonNull(key);
      Objects.requireNonNull(value);
    }
  }

  /** RESP3 {@code %n}: pairs in wire order (keys may repeat on the wire; none is dropped). */
  record MapValue(List<Entry> entries) implements RespValue {
    public MapValue {
      entries = List.copyOf(entries);
    }

    @Override
    public char typeByte() {
      return '%';
    }
  }

  /** RESP3 {@code ~n}, in wire order. */
  record SetValue(List<RespValue> elements) implements RespValue {
    public SetValue {
      elements = List.copyOf(elements);
    }

    @Override
    public char typeByte() {
      return '~';
    }
  }

  /** RESP3 {@code >n}: an out-of-band message (pub/sub, client tracking invalidation). */
  record Push(List<RespValue> elements) implements RespValue {
    public Push {
      elements = List.copyOf(elements);
    }

    @Override
    public char typeByte() {
      return '>';
    }
  }

  /** RESP3 {@code ,x}, including {@code inf}, {@code -inf} and {@code nan}. */
  record DoubleValue(double value) implements RespValue {
    @Override
    public char typeByte() {
      return ',';
    }
  }

  /** RESP3 {@code #t} / {@code #f}. */
  record Bool(boolean value) implements RespValue {
    @Override
    public char typeByte() {
      return '#';
    }
  }

  /** RESP3 {@code (n}. */
  record BigNumber(BigInteger value) implements RespValue {
    public BigNumber {
      Objects.requireNonNull(value);
    }

    @Override
    public char typeByte() {
      return '(';
    }
  }

  /** RESP3 {@code =len\r\nfmt:data}: text with a three-letter format ({@code txt}, {@code mkd}). */
  final class Verbatim implements RespValue {
    private final String format;
    private final byte[] bytes;

    public Verbatim(String format, byte[] bytes) {
      this(format, bytes.clone(), true);
    }

    Verbatim(String format, byte[] bytes, boolean owned) {
      if (format.length() != 3) {
        throw new IllegalArgumentException("format must have 3 characters: " + format);
      }
      this.format = format;
      this.bytes = bytes;
    }

    public String format() {
      return format;
    }

    public byte[] bytes() {
      return bytes.clone();
    }

    public String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public char typeByte() {
      return '=';
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Verbatim
          && format.equals(((Verbatim) o).format)
          && Arrays.equals(bytes, ((Verbatim) o).bytes);
    }

    @Override
    public int hashCode() {
      return format.hashCode() * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Verbatim[" + format + ":" + new String(bytes, StandardCharsets.ISO_8859_1) + "]";
    }
  }

  /** RESP3 {@code |n}: attributes sent before {@code value}, which is the actual reply. */
  record Attribute(List<Entry> attributes, RespValue value) implements RespValue {
    public Attribute {
      attributes = List.copyOf(attributes);
      Objects.requireNonNull(value);
    }

    @Override
    public char typeByte() {
      return '|';
    }
  }
}
