package io.corvid.storage;

/** Receives the fields of a hash. Bytes are valid only during the call. */
@FunctionalInterface
public interface HashVisitor {
  void field(byte[] field, int fieldOff, int fieldLen, byte[] value, int valueOff, int valueLen);
}
