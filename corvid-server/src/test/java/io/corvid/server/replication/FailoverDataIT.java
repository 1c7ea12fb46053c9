package io.corvid.server.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.SlotHash;
import io.corvid.server.testing.ClusterProcesses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;

/**
 * The data plane under the control plane's failover and rebalancing, with real processes and a
 * load through JedisCluster: a kill -9 of a primary loses no write that WAIT acknowledged, and a
 * joining node takes its share of the slots with their keys.
 */
class FailoverDataIT {
  ClusterProcesses cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * One connection per node (a pool of one), so a key's SET and the WAIT after it travel on the
   * same connection, as WAIT requires. Generous timeouts for a loaded machine.
   */
  static JedisCluster client(ClusterProcesses c, int seed) {
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(1);
    // A borrow that finds the one connection taken (a slot-map refresh during a failover) fails
    // instead of waiting for ever; the writer retries.
    pool.setMaxWait(Duration.ofSeconds(2));
    return new JedisCluster(Set.of(new HostAndPort("127.0.0.1", c.port(seed))), 10_000, 10_000, 10, pool);
  }

  @Test
  void aKilledPrimaryLosesNoWaitAcknowledgedWrite() throws Exception {
    cluster = ClusterProcesses.start(3, "--cluster-replicas", "1");
    ReplicationIT.awaitNoSyncingSlots(cluster);
    int victim = 1;
    Map<String, String> acknowledged = new ConcurrentHashMap<>();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong failures = new AtomicLong();
    AtomicLong lastFailureNanos = new AtomicLong();
    AtomicLong writes = new AtomicLong();
    List<Throwable> unexpected = new ArrayList<>();
    Thread writer = new Thread(() -> {
      try (JedisCluster jc = client(cluster, 0)) {
        for (long i = 0; running.get(); i++) {
          String key = "fo:" + i;
          String value = "v" + i;
          try {
            jc.set(key, value);
            writes.incrementAndGet();
            if (jc.waitReplicas(key, 1, 2_000) >= 1) {
              acknowledged.put(key, value);
            }
          } catch (RuntimeException e) {
            failures.incrementAndGet();
            lastFailureNanos.set(System.nanoTime());
            try {
              Thread.sleep(50);
            } catch (InterruptedException ie) {
              return;
            }
          }
        }
      } catch (Throwable t) {
        unexpected.add(t);
      }
    }, "failover-writer");
    writer.start();
    ClusterProcesses.await("some acknowledged writes", Duration.ofSeconds(60), () -> acknowledged.size() > 500);
    long killedAt = System.nanoTime();
    int ackedBeforeKill = acknowledged.size();
    cluster.kill9(victim);
    cluster.awaitAgreement(2);
    try {
      ClusterProcesses.await("writes acknowledged again after the kill", Duration.ofSeconds(90),
          () -> acknowledged.size() > ackedBeforeKill + 200);
    } catch (AssertionError e) {
      StringBuilder stack = new StringBuilder();
      for (StackTraceElement f : writer.getStackTrace()) {
        stack.append("\n  at ").append(f);
      }
      throw new AssertionError(e.getMessage() + "; " + writes.get() + " writes, " + acknowledged.size() + " acknowledged, "
          + failures.get() + " failed; writer:" + stack + "\n" + cluster.outputs(), e);
    }
    running.set(false);
    writer.join(30_000);
    assertThat(unexpected).isEmpty();
    long lastFailureMs = lastFailureNanos.get() == 0 ? -1 : (lastFailureNanos.get() - killedAt) / 1_000_000;
    System.out.println("kill -9 of a primary under load: " + writes.get() + " writes, " + acknowledged.size()
        + " acknowledged by WAIT, " + failures.get() + " failed; last failure " + lastFailureMs + " ms after the kill");
    // Every acknowledged write is there, with its value, read through a fresh cluster client.
    try (JedisCluster jc = client(cluster, 0)) {
      List<String> lost = new ArrayList<>();
      for (Map.Entry<String, String> e : acknowledged.entrySet()) {
        if (!e.getValue().equals(jc.get(e.getKey()))) {
          lost.add(e.getKey());
        }
      }
      assertThat(lost).as("WAIT-acknowledged writes lost (of %d)\n%s", acknowledged.size(), lost.isEmpty() ? "" : cluster.outputs())
          .isEmpty();
    }
  }

  @Test
  void aJoiningNodeTakesItsShareWithTheKeys() throws Exception {
    cluster = ClusterProcesses.start(3, "--cluster-replicas", "1");
    ReplicationIT.awaitNoSyncingSlots(cluster);
    int keys = 30_000;
    try (JedisCluster jc = client(cluster, 0)) {
      try (redis.clients.jedis.ClusterPipeline p = jc.pipelined()) {
        for (int i = 0; i < keys; i++) {
          p.set("mv:" + i, "value-" + i);
        }
        p.sync();
      }
    }
    int d = cluster.addNode();
    long epoch = cluster.awaitAgreement(4);
    int[] primary = cluster.primaryPorts(0);
    int mine = 0;
    for (int port : primary) {
      mine += port == cluster.port(d) ? 1 : 0;
    }
    System.out.println("fourth node: primary of " + mine + " slots in epoch " + epoch);
    assertThat(mine).as("the fourth node's share").isGreaterThan(SlotHash.SLOT_COUNT / 4 - 200);
    try (JedisCluster jc = client(cluster, 0)) {
      List<Integer> missing = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        if (!("value-" + i).equals(jc.get("mv:" + i))) {
          missing.add(i);
        }
      }
      assertThat(missing).as("keys lost by the move").isEmpty();
    }
    try (Jedis jd = cluster.jedis(d)) {
      assertThat(jd.dbSize()).as("the new node holds data").isGreaterThan(keys / 8L);
    }
  }
}
