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
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;

/**
 * Failover time, as a client sees it: a 3-node cluster (real JVMs on 127.0.0.1, default
 * settings), a kill -9 of the primary of a slot, and the time until a write to that slot succeeds
 * again through JedisCluster (which refreshes its slot map on errors). Repeated
 * {@code -Dcorvid.bench.trials} times (default 10); the killed node is restarted between trials.
 * Prints, for each trial, when a survivor's CLUSTER SLOTS first names a new primary for the slot
 * and when the write succeeded, then min / median / max of each. Not part of the normal test run (the name ends in
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
    List<Long> servedMillis = new ArrayList<>();
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
        // maxAttempts 1: a failed write returns at once (Jedis renews its slot map after a
        // connection failure), and this loop retries every 10 ms. With more attempts Jedis sleeps
        // between them (a share of maxTotalRetriesDuration), which would be measured too.
        int survivor = (victim + 1) % 3;
        try (JedisCluster jc = new JedisCluster(seeds, 250, 1000, 1, new GenericObjectPoolConfig<>());
            Jedis probe = cluster.jedis(survivor)) {
          jc.set(key, "before");
          long t0 = System.nanoTime();
          cluster.kill9(victim);
          long deadline = t0 + GIVE_UP_MILLIS * 1_000_000;
          long served = -1;
          while (true) {
            if (served < 0 && primaryPort(probe, slot) != cluster.port(victim)) {
              served = (System.nanoTime() - t0) / 1_000_000;
            }
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
          if (served < 0) {
            served = ms;
          }
          millis.add(ms);
          servedMillis.add(served);
          System.out.printf("trial %d: killed node %d (primary of slot %d): a survivor names a new primary after %d ms,"
              + " JedisCluster writes resumed after %d ms%n", trial + 1, victim, slot, served, ms);
        }
        cluster.restart(victim);
      }
    }
    System.out.println("failover (kill -9 of a primary, 3 nodes, " + millis.size() + " trials): new primary named "
        + summary(servedMillis) + "; JedisCluster writes resumed " + summary(millis));
  }

  /** "min X ms, median Y ms, max Z ms". */
  static String summary(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    long median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return "min " + sorted.get(0) + " ms, median " + median + " ms, max " + sorted.get(n - 1) + " ms";
  }

  /** The client port of the slot's primary in that node's CLUSTER SLOTS, or 0 (or -1 if it did not answer). */
  static int primaryPort(Jedis j, int slot) {
    try {
      for (Object range : j.clusterSlots()) {
        List<?> r = (List<?>) range;
        if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) {
          return ((Long) ((List<?>) r.get(2)).get(1)).intValue();
        }
      }
      return 0;
    } catch (RuntimeException e) {
      return -1;
    }
  }
}
