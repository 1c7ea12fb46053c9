package io.corvid.bench.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongIntMapTest {

  @Test
  void agreesWithHashMapAcrossGrowth() {
    Random random = new Random(42);
    LongIntMap map = new LongIntMap();
    Map<Long, Integer> expected = new HashMap<>();
    for (int i = 0; i < 200_000; i++) {
      // Narrow range so that keys repeat; includes negatives and zero.
      long key = random.nextInt(150_000) - 50_000L;
      if (random.nextInt(8) == 0) {
        key = key << 40;
      }
      int next = expected.size();
      int got = map.getOrPut(key, next);
      Integer previous = expected.putIfAbsent(key, next);
      assertThat(got).isEqualTo(previous == null ? next : previous);
    }
    assertThat(map.size()).isEqualTo(expected.size());
    expected.forEach((key, value) -> assertThat(map.get(key)).isEqualTo(value));
    assertThat(map.get(Long.MAX_VALUE)).isEqualTo(-1);
  }
}
