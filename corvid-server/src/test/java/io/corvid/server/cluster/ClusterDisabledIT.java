package io.corvid.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.testing.RawClient;
import io.corvid.server.testing.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A node not in cluster mode answers the cluster commands as a standalone Redis does. */
class ClusterDisabledIT {
  static ServerProcess server;

  @BeforeAll
  static void start() {
    server = ServerProcess.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void clusterCommandsSayClusterSupportIsDisabled() {
    try (RawClient c = new RawClient(server)) {
      for (String[] cmd : new String[][] {{"CLUSTER", "INFO"}, {"CLUSTER", "SLOTS"}, {"CLUSTER", "KEYSLOT", "a"},
          {"CLUSTER", "MYID"}, {"READONLY"}, {"READWRITE"}, {"ASKING"}}) {
        assertThat(RawClient.text(c.call(cmd))).as(String.join(" ", cmd)).isEqualTo("ERR This instance has cluster support disabled");
      }
      assertThat(RawClient.text(c.call("CLUSTER", "FOO"))).isEqualTo("ERR unknown subcommand 'FOO'. Try CLUSTER HELP.");
      // Keys of different slots, other databases: all fine without cluster mode.
      assertThat(RawClient.text(c.call("MSET", "a", "1", "b", "2"))).isEqualTo("OK");
      assertThat(RawClient.text(c.call("SELECT", "1"))).isEqualTo("OK");
      assertThat(RawClient.text(c.call("INFO", "cluster"))).contains("# Cluster\r\ncluster_enabled:0\r\n");
    }
  }
}
