package io.corvid.client;

import java.nio.charset.StandardCharsets;

/** A message received on a subscribed channel. */
public record Message(String channel, byte[] payload) {
  public String text() {
    return new String(payload, StandardCharsets.UTF_8);
  }
}
