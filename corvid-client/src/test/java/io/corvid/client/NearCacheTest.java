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
  void serverInvalidationsReachEntriesKeyedByTheApplicationsKeys() {
    // As CorvidCache maps them: the cache's prefix stripped, the rest decoded; not ours: null.
    NearCache<String> near = new NearCache<>(100, Duration.ofMinutes(1), serverKey -> {
      String s = StandardCharsets.UTF_8.decode(serverKey.duplicate()).toString();
      return s.startsWith("c:") ? NearCache.local(s.substring(2)) : null;
    });
    near.completeFill("k", near.beginFill("k"), "v");
    near.invalidate(key("other:k"));
    assertThat(near.getIfPresent("k")).isEqualTo("v");
    near.invalidate(key("c:k"));
    assertThat(near.getIfPresent("k")).isNull();
  }

  @Test
  void byteArrayKeysAreComparedByContentAndCopied() {
    NearCache<String> near = new NearCache<>(100, Duration.ofMinutes(1));
    byte[] k = "k".getBytes(StandardCharsets.UTF_8);
    near.completeFill(NearCache.local(k), near.beginFill(NearCache.local(k)), "v");
    assertThat(near.getIfPresent(NearCache.local("k".getBytes(StandardCharsets.UTF_8)))).isEqualTo("v");
    k[0] = 'x'; // the caller's array changed after the fill: the entry did not
    assertThat(near.getIfPresent(NearCache.local("k".getBytes(StandardCharsets.UTF_8)))).isEqualTo("v");
    near.invalidate(key("k"));
    assertThat(near.getIfPresent(NearCache.local("k".getBytes(StandardCharsets.UTF_8)))).isNull();
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
