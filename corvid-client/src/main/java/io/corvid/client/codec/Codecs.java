package io.corvid.client.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corvid.client.CorvidException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The stock codecs: UTF-8 strings, raw bytes, and JSON through Jackson (records and POJOs). */
public final class Codecs {
  private static final ObjectMapper DEFAULT_MAPPER = new ObjectMapper().findAndRegisterModules();

  private static final Codec<String> STRING = new Codec<>() {
    @Override
    public byte[] encode(String value) {
      return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  };

  private static final Codec<byte[]> BYTES = new Codec<>() {
    @Override
    public byte[] encode(byte[] value) {
      return value;
    }

    @Override
    public byte[] decode(byte[] bytes) {
      return bytes;
    }
  };

  private Codecs() {}

  public static Codec<String> string() {
    return STRING;
  }

  public static Codec<byte[]> bytes() {
    return BYTES;
  }

  /** JSON with a default ObjectMapper (modules on the classpath registered). */
  public static <T> Codec<T> json(Class<T> type) {
    return json(DEFAULT_MAPPER, DEFAULT_MAPPER.constructType(type));
  }

  /** JSON of a generic type, e.g. {@code new TypeReference<List<Product>>() {}}. */
  public static <T> Codec<T> json(TypeReference<T> type) {
    return json(DEFAULT_MAPPER, DEFAULT_MAPPER.constructType(type));
  }

  public static <T> Codec<T> json(ObjectMapper mapper, Class<T> type) {
    return json(mapper, mapper.constructType(type));
  }

  private static <T> Codec<T> json(ObjectMapper mapper, JavaType type) {
    return new Codec<>() {
      @Override
      public byte[] encode(T value) {
        try {
          return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
          throw new CorvidException("cannot write " + type + " as JSON: " + e.getMessage(), e);
        }
      }

      @Override
      public T decode(byte[] bytes) {
        try {
          return mapper.readValue(bytes, type);
        } catch (IOException e) {
          throw new CorvidException("cannot read " + type + " from JSON: " + e.getMessage(), e);
        }
      }
    };
  }
}
