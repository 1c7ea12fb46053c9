package io.corvid.client.codec;

/** Turns a key or value into the bytes stored in Corvid and back. Implementations must be thread-safe. */
public interface Codec<T> {
  byte[] encode(T value);

  T decode(byte[] bytes);
}
