package io.corvid.resp;

/** The protocol a connection speaks: RESP2 until HELLO 3 switches it to RESP3. */
public enum RespVersion {
  RESP2(2),
  RESP3(3);

  private final int number;

  RespVersion(int number) {
    this.number = number;
  }

  public int number() {
    return number;
  }
}
