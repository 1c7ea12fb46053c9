package io.corvid.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ExpiryQueueTest {

  /** Random set/move/remove/pop against a TreeSet of (time, node), checking the heap after each step. */
  @Test
  void behavesAsASortedSetOfTimeAndNode() {
    for (long seed = 1; seed <= 10; seed++) {
      Random random = new Random(seed);
      ExpiryQueue queue = new ExpiryQueue();
      TreeSet<long[]> model = new TreeSet<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
      Map<Integer, Long> times = new HashMap<>();
      for (int op = 0; op < 5_000; op++) {
        int node = 1 + random.nextInt(300);
        int kind = random.nextInt(10);
        if (kind < 5) {
          long t = random.nextInt(1_000);
          Long old = times.put(node, t);
          if (old != null) {
            model.remove(new long[] {old, node});
          }
          model.add(new long[] {t, node});
          queue.set(node, t);
        } else if (kind < 8) {
          Long old = times.remove(node);
          assertThat(queue.remove(node)).isEqualTo(old != null);
          if (old != null) {
            model.remove(new long[] {old, node});
          }
        } else if (!model.isEmpty()) {
          long[] first = model.first();
          assertThat(queue.peekTime()).isEqualTo(first[0]);
          int popped = queue.peekNode();
          assertThat(times.get(popped)).as("seed " + seed + " op " + op).isEqualTo(first[0]);
          queue.remove(popped);
          model.remove(new long[] {times.remove(popped), popped});
        }
        assertThat(queue.size()).isEqualTo(model.size());
        assertThat(queue.expireAt(node)).isEqualTo(times.getOrDefault(node, Keyspace.NO_EXPIRY));
        queue.checkInvariants();
      }
    }
  }
}
