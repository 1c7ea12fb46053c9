package io.corvid.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.client.connection.NodeConnection;
import io.corvid.resp.RespValue;
import io.corvid.server.testing.ServerProcess;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link CorvidClient#openConnection}: a connection of its own, so WATCH/MULTI/EXEC state is not
 * disturbed by other callers, and one that closes instead of reconnecting, against a real Corvid
 * node.
 */
class OpenConnectionIT {
  private static ServerProcess corvid;

  @BeforeAll
  static void start() {
    corvid = ServerProcess.start();
  }

  @AfterAll
  static void stop() {
    corvid.close();
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void watchOnADedicatedConnectionSeesWritesOfTheSharedOne() throws Exception {
    try (CorvidClient client = CorvidClient.connect(corvid.host() + ":" + corvid.port())) {
      client.sync().set("oc:k", "v1");
      NodeConnection c = client.openConnection(b("oc:k"));
      try {
        assertThat(c.isConnected()).isTrue();
        assertThat(client.router().openConnections()).doesNotContain(c);

        // undisturbed: the transaction commits
        c.send(b("WATCH"), b("oc:k")).join();
        c.send(b("MULTI")).join();
        c.send(b("SET"), b("oc:k"), b("v2")).join();
        RespValue exec = c.send(b("EXEC")).join();
        assertThat(exec).isInstanceOf(RespValue.Array.class);
        assertThat(client.sync().get("oc:k")).isEqualTo("v2");

        // another caller (the shared connection) writes the watched key: EXEC does nothing
        c.send(b("WATCH"), b("oc:k")).join();
        client.sync().set("oc:k", "other");
        c.send(b("MULTI")).join();
        c.send(b("SET"), b("oc:k"), b("v3")).join();
        assertThat(c.send(b("EXEC")).join()).isInstanceOf(RespValue.Null.class);
        assertThat(client.sync().get("oc:k")).isEqualTo("other");

        // it does not reconnect: a WATCH is never silently lost, later commands fail instead
        c.send(b("WATCH"), b("oc:k")).join();
        c.disconnect();
        ConnectionIT.awaitCondition(c::isClosed);
        assertThatThrownBy(() -> c.send(b("MULTI")).join()).hasCauseInstanceOf(ClientClosedException.class);
        assertThat(client.sync().get("oc:k")).as("the shared connection is not affected").isEqualTo("other");
      } finally {
        c.close();
      }
    }
  }
}
