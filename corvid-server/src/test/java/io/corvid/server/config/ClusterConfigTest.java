package io.corvid.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The cluster-* options: defaults, the seed list syntax, limits and what turns cluster mode on. */
class ClusterConfigTest {

  @Test
  void defaultsAreAStandaloneNodeWithBusPortOffset() {
    ServerConfig c = new ServerConfig();
    assertThat(c.clusterEnabled()).isFalse();
    assertThat(c.clusterSeeds()).isEmpty();
    assertThat(c.clusterBusPort(6379)).isEqualTo(16379);
    assertThat(c.clusterReplicas()).isEqualTo(1);
    assertThat(c.clusterNodeTimeoutMillis()).isEqualTo(ServerConfig.DEFAULT_CLUSTER_NODE_TIMEOUT_MILLIS);
    assertThat(c.clusterSuspectTimeoutMillis()).isEqualTo(ServerConfig.DEFAULT_CLUSTER_SUSPECT_TIMEOUT_MILLIS);
    assertThat(c.configGet("cluster-*")).containsEntry("cluster-enabled", "no").containsEntry("cluster-seeds", "")
        .containsEntry("cluster-port", "0").containsEntry("cluster-replicas", "1");
  }

  @Test
  void seedsTurnClusterModeOnAndTakeUsersAddresses() throws Exception {
    ServerConfig c = new ServerConfig();
    c.setAtStartup("cluster-seeds", "server1:6379, server2:7000@17001");
    assertThat(c.clusterEnabled()).isTrue();
    assertThat(c.clusterSeeds()).containsExactly(new ClusterSeed("server1", 6379, 16379), new ClusterSeed("server2", 7000, 17001));
    assertThat(c.option("cluster-seeds").get()).isEqualTo("server1:6379,server2:7000@17001");
    c.setAtStartup("cluster-port", "23000");
    assertThat(c.clusterBusPort(6379)).isEqualTo(23000);

    ServerConfig e = new ServerConfig();
    e.setAtStartup("cluster-enabled", "yes");
    assertThat(e.clusterEnabled()).isTrue();
    assertThat(e.clusterSeeds()).isEmpty();
  }

  @Test
  void badValuesAreRefusedWithTheirReason() {
    ServerConfig c = new ServerConfig();
    assertThatThrownBy(() -> c.setAtStartup("cluster-seeds", "server1"))
        .hasMessage("Invalid argument 'server1' for 'cluster-seeds': seed 'server1' must be host:port or host:port@busport");
    assertThatThrownBy(() -> c.setAtStartup("cluster-seeds", "a:0"))
        .hasMessage("Invalid argument 'a:0' for 'cluster-seeds': seed 'a:0': invalid port '0'");
    assertThatThrownBy(() -> c.setAtStartup("cluster-seeds", "a:60000"))
        .hasMessageContaining("bus port 70000 (port + 10000) is above 65535; give it as host:port@busport");
    assertThat(c.clusterSeeds()).isEmpty();
    assertThatThrownBy(() -> c.setAtStartup("cluster-enabled", "maybe")).hasMessageContaining("argument must be 'yes' or 'no'");
    assertThatThrownBy(() -> c.setAtStartup("cluster-replicas", "9"))
        .hasMessageContaining("argument must be between 0 and 8 inclusive");
    assertThatThrownBy(() -> c.setAtStartup("cluster-node-timeout", "399"))
        .hasMessageContaining("argument must be between " + ServerConfig.MIN_CLUSTER_NODE_TIMEOUT_MILLIS);
  }

  @Test
  void clusterOptionsAreReadAtStartOnly() {
    ServerConfig c = new ServerConfig();
    for (String name : List.of("cluster-enabled", "cluster-seeds", "cluster-port", "cluster-replicas", "cluster-node-timeout",
        "cluster-suspect-timeout", "cluster-announce-ip")) {
      assertThatThrownBy(() -> c.configSet(List.of(name, "1")))
          .hasMessage("ERR CONFIG SET failed (possibly related to argument '" + name + "') - can't set immutable config");
    }
  }
}
