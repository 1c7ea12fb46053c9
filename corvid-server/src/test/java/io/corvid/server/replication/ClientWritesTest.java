package io.corvid.server.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClientWritesTest {
  @Test
  void keepsTheLastOffsetPerSlotLikeAMap() {
    ClientWrites w = new ClientWrites();
    Map<Integer, Long> expected = new HashMap<>();
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      int slot = r.nextInt(16384);
      w.put(slot, i);
      expected.put(slot, (long) i);
    }
    assertThat(w.size()).isEqualTo(expected.size());
    Map<Integer, Long> seen = new HashMap<>();
    for (int b = w.first(); b >= 0; b = w.next(b)) {
      seen.put(w.slotAt(b), w.offsetAt(b));
    }
    assertThat(seen).isEqualTo(expected);
    assertThat(w.get(16384 + 5)).isEqualTo(-1);
    ClientWrites copy = w.copy();
    w.put(0, -5);
    assertThat(copy.get(0)).isEqualTo(expected.getOrDefault(0, -1L));
  }
}
