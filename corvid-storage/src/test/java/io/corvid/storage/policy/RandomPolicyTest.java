package io.corvid.storage.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RandomPolicyTest {

  @Test
  void victimsAreSpreadOverTrackedNodesOnly() {
    RandomPolicy random = new RandomPolicy(7);
    for (int n = 0; n < 100; n++) {
      random.onInsert(n, n, 1);
    }
    for (int n = 0; n < 100; n += 2) {
      random.onRemove(n);
    }
    int[] picks = new int[100];
    for (int i = 0; i < 5_000; i++) {
      int v = random.victim();
      assertThat(v % 2).isEqualTo(1);
      assertThat(random.victim()).isEqualTo(v);
      picks[v]++;
      random.onRemove(v);
      random.onInsert(v, v, 1);
    }
    for (int n = 1; n < 100; n += 2) {
      assertThat(picks[n]).as("node " + n).isBetween(40, 180); // 100 expected
    }
    assertThat(random.size()).isEqualTo(50);
  }
}
