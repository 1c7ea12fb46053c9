package io.corvid.storage.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.FakeClock;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LfuPolicyTest {
  private final FakeClock clock = new FakeClock();

  @Test
  void counterStartsAtFiveGrowsLogarithmicallyAndSaturates() {
    LfuPolicy lfu = new LfuPolicy(clock, 10, 1, 1);
    lfu.onInsert(0, 0, 1);
    assertThat(lfu.frequency(0)).isEqualTo(LfuPolicy.LFU_INIT_VAL);
    for (int i = 0; i < 100; i++) {
      lfu.onAccess(0, 0);
    }
    // Below 5 every hit counts; above it the probability is 1/((c-5)*10+1): 100 hits give ~ +4.
    assertThat(lfu.frequency(0)).isBetween(7, 12);
    LfuPolicy linear = new LfuPolicy(clock, 0, 1, 1);
    linear.onInsert(0, 0, 1);
    for (int i = 0; i < 1_000; i++) {
      linear.onAccess(0, 0);
    }
    assertThat(linear.frequency(0)).isEqualTo(LfuPolicy.MAX_COUNTER);
  }

  @Test
  void countersDecayOnePerPeriodAndDecayZeroDisablesIt() {
    LfuPolicy lfu = new LfuPolicy(clock, 0, 2, 1);
    lfu.onInsert(0, 0, 1);
    for (int i = 0; i < 20; i++) {
      lfu.onAccess(0, 0);
    }
    assertThat(lfu.frequency(0)).isEqualTo(25);
    clock.advance(10, TimeUnit.MINUTES);
    assertThat(lfu.frequency(0)).as("5 periods of 2 minutes").isEqualTo(20);
    clock.advance(1, TimeUnit.DAYS);
    assertThat(lfu.frequency(0)).isZero();
    LfuPolicy never = new LfuPolicy(clock, 0, 0, 1);
    never.onInsert(0, 0, 1);
    clock.advance(1, TimeUnit.DAYS);
    assertThat(never.frequency(0)).isEqualTo(LfuPolicy.LFU_INIT_VAL);
  }

  @Test
  void idleHotEntriesEventuallyLoseToTodaysWarmOnes() {
    LfuPolicy lfu = new LfuPolicy(clock, 0, 1, 1);
    for (int n = 0; n < 10; n++) {
      lfu.onInsert(n, n, 1);
      for (int i = 0; i < 200; i++) {
        lfu.onAccess(n, n);
      }
    }
    clock.advance(1, TimeUnit.DAYS);
    for (int n = 10; n < 20; n++) {
      lfu.onInsert(n, n, 1);
      lfu.onAccess(n, n);
    }
    for (int evicted = 0; evicted < 10; evicted++) {
      int victim = lfu.victim();
      assertThat(victim).as("yesterday's hot keys go first").isLessThan(10);
      lfu.onRemove(victim);
    }
  }

  /**
   * Differential test of the exact rule (lowest score = effective counter + epoch of last update,
   * then least recently used) against a brute-force scan, with deterministic counters (factor 0)
   * and the clock jumping by minutes to days so the bucket ring slides and merges.
   */
  @Test
  void victimIsTheBruteForceMinimumOfScoreThenRecency() {
    for (long seed = 1; seed <= 10; seed++) {
      Random random = new Random(seed);
      FakeClock c = new FakeClock();
      LfuPolicy lfu = new LfuPolicy(c, 0, 1, seed);
      Map<Integer, long[]> model = new HashMap<>(); // node -> {score, lastTouch}
      long epoch = 0;
      long tick = 0;
      int next = 0;
      for (int op = 0; op < 3_000; op++) {
        int kind = random.nextInt(20);
        if (kind == 0) {
          long minutes = random.nextInt(5) == 0 ? random.nextInt(3_000) : random.nextInt(3);
          c.advance(minutes, TimeUnit.MINUTES);
          epoch += minutes;
        } else if (kind < 7 || model.isEmpty()) {
          lfu.onInsert(next, next, 1);
          model.put(next++, new long[] {LfuPolicy.LFU_INIT_VAL + epoch, tick++});
        } else if (kind < 17) {
          int node = model.keySet().stream().skip(random.nextInt(model.size())).findFirst().orElseThrow();
          lfu.onAccess(node, node);
          long[] m = model.get(node);
          long counter = Math.clamp(m[0] - epoch, 0, 255);
          m[0] = Math.min(255, counter + 1) + epoch;
          m[1] = tick++;
        } else {
          int victim = lfu.victim();
          long[] best = null;
          int expected = -1;
          for (Map.Entry<Integer, long[]> e : model.entrySet()) {
            long[] m = e.getValue();
            if (best == null || m[0] < best[0] || (m[0] == best[0] && m[1] < best[1])) {
              best = m;
              expected = e.getKey();
            }
          }
          assertThat(victim).as("seed " + seed + " op " + op).isEqualTo(expected);
          lfu.onRemove(victim);
          model.remove(victim);
        }
        assertThat(lfu.size()).isEqualTo(model.size());
      }
    }
  }
}
