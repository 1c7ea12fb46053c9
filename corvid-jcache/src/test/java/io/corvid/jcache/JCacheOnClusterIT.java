package io.corvid.jcache;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.testing.ClusterProcesses;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The provider against a real 3-node Corvid cluster: each cache lives in its hash-tagged slot on
 * one node, different caches spread over the nodes, and every kind of operation (plain, in a
 * WATCH/MULTI/EXEC transaction on the slot's node, SCAN-based) reaches the right node.
 */
class JCacheOnClusterIT {
  private static ClusterProcesses cluster;
  private static CorvidCachingProvider provider;
  private static CacheManager manager;

  @BeforeAll
  static void start() {
    cluster = ClusterProcesses.start(3);
    provider = new CorvidCachingProvider();
    String seeds = cluster.address(0) + "," + cluster.address(1) + "," + cluster.address(2);
    manager = provider.getCacheManager(URI.create("corvid://" + seeds), provider.getDefaultClassLoader());
  }

  @AfterAll
  static void stop() {
    if (provider != null) {
      provider.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void cachesSpreadOverTheNodesAndEveryOperationFindsItsNode() throws InterruptedException {
    List<Cache<Integer, String>> caches = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      caches.add(manager.createCache("cluster-cache-" + c, new MutableConfiguration<Integer, String>()
          .setTypes(Integer.class, String.class)
          .setExpiryPolicyFactory(AccessedExpiryPolicy.factoryOf(new Duration(java.util.concurrent.TimeUnit.MINUTES, 10)))));
    }
    for (Cache<Integer, String> cache : caches) {
      Map<Integer, String> values = new HashMap<>();
      for (int i = 0; i < 20; i++) {
        values.put(i, cache.getName() + "/" + i);
      }
      cache.putAll(values);
      assertThat(cache.get(3)).isEqualTo(cache.getName() + "/3");
      assertThat(cache.getAll(Set.of(1, 2, 99))).containsOnlyKeys(1, 2);
      assertThat(cache.putIfAbsent(3, "no")).isFalse();
      assertThat(cache.replace(3, cache.getName() + "/3", "three")).isTrue();
      assertThat(cache.<Integer>invoke(4, (e, a) -> {
        e.setValue(e.getValue() + "!");
        return e.getValue().length();
      })).isPositive();
      assertThat(cache.remove(5)).isTrue();
      Set<Integer> seen = new HashSet<>();
      for (Iterator<Cache.Entry<Integer, String>> it = cache.iterator(); it.hasNext(); ) {
        seen.add(it.next().getKey());
      }
      assertThat(seen).hasSize(19).doesNotContain(5);
    }

    // every cache is on one node (its slot); the caches together use more than one node
    // (a node also holds replicas' copies of other nodes' slots, so keys are counted once by name)
    int nodesWithKeys = 0;
    Set<String> allKeys = new HashSet<>();
    for (int n = 0; n < 3; n++) {
      try (Jedis j = cluster.jedis(n)) {
        Set<String> here = j.keys("*");
        allKeys.addAll(here);
        nodesWithKeys += here.isEmpty() ? 0 : 1;
      }
    }
    assertThat(allKeys).hasSize(8 * 19);
    assertThat(nodesWithKeys).isGreaterThan(1);

    caches.get(0).removeAll();
    assertThat(caches.get(0).iterator().hasNext()).isFalse();
    for (int c = 0; c < 8; c++) {
      manager.destroyCache("cluster-cache-" + c);
    }
    // Replicas apply the deletes asynchronously: wait for every node to be empty.
    long left = -1;
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (left != 0 && System.nanoTime() < deadline) {
      left = 0;
      for (int n = 0; n < 3; n++) {
        try (Jedis j = cluster.jedis(n)) {
          left += j.dbSize();
        }
      }
      if (left != 0) {
        Thread.sleep(100);
      }
    }
    assertThat(left).isZero();
  }
}
