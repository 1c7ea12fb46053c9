package io.corvid.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.client.connection.Command;
import io.corvid.client.connection.HostAndPort;
import io.corvid.client.testing.RedisCluster;
import io.corvid.client.testing.RedisProcess;
import io.corvid.common.SlotHash;
import io.corvid.resp.RespValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A primary of a real Redis Cluster (3 primaries, 1 replica each) is killed with SIGKILL; its
 * replica takes over. The application sees a delay, not an error: reads are retried, a write
 * issued after the crash waits in the queue (known not sent) and lands on the new primary.
 */
class ClusterFailoverIT {
  @Test
  void ridesThroughAFailover() {
    try (RedisCluster cluster = new RedisCluster(3, 1, "--cluster-node-timeout", "2000");
        CorvidClient client = CorvidClient.connect(ClientOptions.builder()
            .retryTimeout(Duration.ofSeconds(60))
            .commandTimeout(Duration.ofSeconds(30))
            .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(500))
            .topologyRefreshMinInterval(Duration.ofMillis(200))
            .build(), cluster.seeds())) {
      String key = "failover-key";
      byte[] k = key.getBytes(StandardCharsets.UTF_8);
      client.sync().set(key, "before");
      // The replica has it before the crash. On a loaded machine the replica may still be in its
      // first sync after the cluster was made: WAIT answers 0 until it is, so ask again.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!client.sync().command(k, Command.args("WAIT", "1", "5000")).equals(RespValue.integer(1))) {
        assertThat(System.nanoTime()).as("the replica acknowledged the write within 90 s").isLessThan(deadline);
      }
      HostAndPort primary = client.router().primaryOf(SlotHash.slot(k));
      RedisProcess victim = cluster.nodes().stream().filter(p -> p.port() == primary.port()).findFirst().orElseThrow();
      victim.kill();

      assertThat(client.sync().get(key)).isEqualTo("before");
      assertThat(client.sync().set(key, "after")).isTrue();
      assertThat(client.sync().get(key)).isEqualTo("after");
      HostAndPort newPrimary = client.router().primaryOf(SlotHash.slot(k));
      assertThat(newPrimary).isNotEqualTo(primary);
      assertThat(client.router().refreshes()).isPositive();
    }
  }
}
