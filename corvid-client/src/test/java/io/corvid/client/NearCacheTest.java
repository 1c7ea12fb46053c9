package io.corvid.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The fill-race guard of {@link NearCache}, step by step. */
class NearCacheTest {
  private static ByteBuffer key(String k) {
    return ByteBuffer.wrap(k.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aFillCompletesWhenNothingIntervened() {
    NearCache<String> near = new NearCache<>(100, Duration.ofMinutes(1));
    Object token = near.beginFill(key("k"));
    near.completeFill(key("k"), token, "v");
    assertThat(near.getIfPresent(key("k"))).isEqualTo("v");
  }

  @Test
  void aValueReadBeforeAnInvalidationIsNotStoredAfterIt() {
    NearCache<String> near = new NearCache<>(100, Duration.ofMinutes(1));
    Object token = near.beginFill(key("k"));
    // ... GET sent, the server replied "old", then another client wrote and the push arrived:
    near.invalidate(key("k"));
    near.completeFill(key("k"), token, "old");
    assertThat(near.getIfPresent(key("k"))).isNull();
  }

  @Test
  void aClearAlsoCancelsFillsInProgress() {
    NearCache<String> near = new NearCache<>(100, Duration.ofMinutes(1));
    Object token = near.beginFill(key("k"));
    near.clear();
    near.completeFill(key("k"), token, "old");
    assertThat(near.getIfPresent(key("k"))).isNull();
  }

  @Test
  void onlyTheLatestOfTwoOverlappingFillsMayStore() {
    NearCache<String> near = new NearCache<>(100, Duration.ofMinutes(1));
    Object first = near.beginFill(key("k"));
    Object second = near.beginFill(key("k"));
    near.completeFill(key("k"), first, "a");
    assertThat(near.getIfPresent(key("k"))).isNull();
    near.completeFill(key("k"), second, "b");
    assertThat(near.getIfPresent(key("k"))).isEqualTo("b");
  }

  @Test
  void anInvalidationAfterTheFillDropsTheValue() {
    NearCache<String> near = new NearCache<>(100, Duration.ofMinutes(1));
    near.completeFill(key("k"), near.beginFill(key("k")), "v");
    near.invalidate(key("k"));
    assertThat(near.getIfPresent(key("k"))).isNull();
  }

  @Test
  void isBounded() {
    NearCache<Integer> near = new NearCache<>(100, Duration.ofMinutes(1));
    for (int i = 0; i < 1000; i++) {
      near.completeFill(key("k" + i), near.beginFill(key("k" + i)), i);
    }
    assertThat(near.size()).isLessThanOrEqualTo(100);
  }
}
