package io.corvid.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.SlotHash;
import io.corvid.server.testing.ClusterProcesses;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;

/**
 * Failover time, as a client sees it: a 3-node cluster (real JVMs on 127.0.0.1, default
 * settings), a kill -9 of the primary of a slot, and the time until a write to that slot succeeds
 * again through JedisCluster (which refreshes its slot map on errors). Repeated
 * {@code -Dcorvid.bench.trials} times (default 10); the killed node is restarted between trials.
 * Prints each trial and min / median / max. Not part of the normal test run (the name ends in
 * neither Test nor IT):
 *
 * <pre>./mvnw -B -pl corvid-server -am verify -Dtest=ClusterFailoverBench -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
class ClusterFailoverBench {
  static final int TRIALS = Integer.getInteger("corvid.bench.trials", 10);
  /** A trial that takes longer than this fails: something is broken, not slow. */
  static final long GIVE_UP_MILLIS = 60_000;

  @Test
  void writesToAKilledPrimarysSlotResume() throws Exception {
    List<Long> millis = new ArrayList<>();
    try (ClusterProcesses cluster = ClusterProcesses.start(3)) {
      for (int trial = 0; trial < TRIALS; trial++) {
        cluster.awaitAgreement(3);
        int victim = trial % 3;
        int[] primaries = cluster.primaryPorts((victim + 1) % 3);
        int slot = -1;
        for (int s = (trial * 997) % SlotHash.SLOT_COUNT, n = 0; n < SlotHash.SLOT_COUNT; n++, s = (s + 1) % SlotHash.SLOT_COUNT) {
          if (primaries[s] == cluster.port(victim)) {
            slot = s;
            break;
          }
        }
        assertThat(slot).isNotNegative();
        String key = ClusterIT.KEYS_BY_SLOT[slot];
        Set<HostAndPort> seeds = new HashSet<>();
        for (int i = 0; i < 3; i++) {
          seeds.add(new HostAndPort("127.0.0.1", cluster.port(i)));
        }
        // Short timeouts, as a latency-sensitive client would set them; the loop retries.
        try (JedisCluster jc = new JedisCluster(seeds, 250, 1000, 2, new GenericObjectPoolConfig<>())) {
          jc.set(key, "before");
          long t0 = System.nanoTime();
          cluster.kill9(victim);
          long deadline = t0 + GIVE_UP_MILLIS * 1_000_000;
          while (true) {
            try {
              jc.set(key, "after-" + trial);
              break;
            } catch (RuntimeException e) {
              if (System.nanoTime() > deadline) {
                throw new AssertionError("writes to slot " + slot + " did not resume within " + GIVE_UP_MILLIS + " ms", e);
              }
              Thread.sleep(10);
            }
          }
          long ms = (System.nanoTime() - t0) / 1_000_000;
          millis.add(ms);
          System.out.printf("trial %d: killed node %d (primary of slot %d): writes resumed after %d ms%n", trial + 1,
              victim, slot, ms);
        }
        cluster.restart(victim);
      }
    }
    List<Long> sorted = new ArrayList<>(millis);
    sorted.sort(null);
    long median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
        : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
    System.out.printf("failover (kill -9 of a primary, 3 nodes, %d trials): min %d ms, median %d ms, max %d ms%n",
        sorted.size(), sorted.get(0), median, sorted.get(sorted.size() - 1));
  }
}
