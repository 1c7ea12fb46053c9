package io.corvid.storage;

/** Receives keys during SCAN, KEYS and slot enumeration. Key bytes are valid only during the call. */
@FunctionalInterface
public interface KeyVisitor {
  void key(byte[] key, int off, int len, ValueType type);
}
