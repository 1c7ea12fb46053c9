package io.corvid.storage.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LruPolicyTest {

  /** Random inserts, accesses and removes against a LinkedHashSet kept in recency order. */
  @Test
  void orderIsExactlyRecencyOrder() {
    for (long seed = 1; seed <= 20; seed++) {
      Random random = new Random(seed);
      LruPolicy lru = new LruPolicy();
      LinkedHashSet<Integer> model = new LinkedHashSet<>();
      List<Integer> free = new ArrayList<>();
      int next = 0;
      for (int op = 0; op < 2_000; op++) {
        int kind = random.nextInt(10);
        if (kind < 4 || model.isEmpty()) {
          int node = free.isEmpty() ? next++ : free.remove(free.size() - 1);
          lru.onInsert(node, node, 1);
          model.add(node);
        } else {
          int node = new ArrayList<>(model).get(random.nextInt(model.size()));
          if (kind < 8) {
            if (random.nextBoolean()) {
              lru.onAccess(node, node);
            } else {
              lru.onUpdate(node, node, 5);
            }
            model.remove(node);
            model.add(node);
          } else {
            lru.onRemove(node);
            model.remove(node);
            free.add(node);
          }
        }
        assertThat(lru.size()).isEqualTo(model.size());
        assertThat(lru.victim()).as("seed " + seed + " op " + op).isEqualTo(model.isEmpty() ? -1 : model.iterator().next());
      }
      assertThat(lru.order()).as("seed " + seed).containsExactly(model.stream().mapToInt(Integer::intValue).toArray());
    }
  }
}
