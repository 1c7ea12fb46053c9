package io.corvid.storage;

/** Value types a key can hold. The names are what TYPE answers. */
public enum ValueType {
  STRING("string"),
  HASH("hash");

  private final String typeName;

  ValueType(String typeName) {
    this.typeName = typeName;
  }

  public String typeName() {
    return typeName;
  }
}
