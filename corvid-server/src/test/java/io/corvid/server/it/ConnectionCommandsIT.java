package io.corvid.server.it;

import static io.corvid.server.testing.RawClient.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.resp.RespValue;
import io.corvid.server.testing.RawClient;
import io.corvid.server.testing.ServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.ProtocolVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisDataException;

/** PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET, CLIENT *, and the dispatcher's errors, with real clients. */
class ConnectionCommandsIT {
  static ServerProcess server;

  @BeforeAll
  static void start() {
    server = ServerProcess.start("--databases", "4");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void pingEchoSelectWithJedis(RedisProtocol protocol) {
    try (Jedis j = Clients.jedis(server, protocol)) {
      assertThat(j.ping()).isEqualTo("PONG");
      assertThat(j.ping("hi")).isEqualTo("hi");
      assertThat(j.echo("héllo")).isEqualTo("héllo");
      assertThat(j.select(3)).isEqualTo("OK");
      assertThatThrownBy(() -> j.select(4)).hasMessage("ERR DB index is out of range");
      assertThatThrownBy(() -> j.select(-1)).hasMessage("ERR DB index is out of range");
      assertThat(j.clientSetname("worker-1")).isEqualTo("OK");
      assertThat(j.clientGetname()).isEqualTo("worker-1");
      assertThat(j.clientInfo()).contains("name=worker-1").contains("db=3").contains("resp=" + (protocol == RedisProtocol.RESP3 ? 3 : 2));
      assertThatThrownBy(() -> j.clientSetname("has space")).hasMessage("ERR Client names cannot contain spaces, newlines or special characters.");
    }
  }

  @Test
  void lettuceResp3AndResp2() {
    for (ProtocolVersion v : ProtocolVersion.values()) {
      RedisClient client = Clients.lettuce(server, v);
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        assertThat(c.sync().ping()).isEqualTo("PONG");
        assertThat(c.sync().echo("x")).isEqualTo("x");
        assertThat(c.sync().clientId()).isPositive();
        assertThat(c.sync().clientList()).contains("resp=" + (v == ProtocolVersion.RESP3 ? 3 : 2));
      } finally {
        client.shutdown();
      }
    }
  }

  @Test
  void helloRepliesWithServerMapInEitherProtocol() {
    try (RawClient c = new RawClient(server)) {
      RespValue v3 = c.call("HELLO", "3");
      assertThat(v3).isInstanceOf(RespValue.MapValue.class);
      Map<String, String> m = new java.util.HashMap<>();
      for (RespValue.Entry e : ((RespValue.MapValue) v3).entries()) {
        m.put(text(e.key()), e.value() instanceof RespValue.Int i ? Long.toString(i.value()) : text(e.value()));
      }
      assertThat(m).containsEntry("server", "redis").containsEntry("proto", "3").containsEntry("mode", "standalone")
          .containsEntry("role", "master").containsKeys("version", "id", "modules");
      assertThat(c.call("GET", "missing-key")).isEqualTo(RespValue.Null.INSTANCE);
      RespValue v2 = c.call("HELLO", "2");
      assertThat(v2).isInstanceOf(RespValue.Array.class);
      assertThat(((RespValue.Array) v2).elements()).hasSize(14);
      assertThat(text(c.call("HELLO", "4"))).isEqualTo("NOPROTO unsupported protocol version");
      assertThat(text(c.call("HELLO", "x"))).isEqualTo("ERR Protocol version is not an integer or out of range");
      assertThat(c.call("HELLO", "3", "SETNAME", "n1")).isInstanceOf(RespValue.MapValue.class);
      assertThat(text(c.call("CLIENT", "GETNAME"))).isEqualTo("n1");
    }
  }

  @Test
  void unknownCommandAndArityErrorsAreRedisWording() {
    try (RawClient c = new RawClient(server)) {
      assertThat(text(c.call("foo", "a", "b"))).isEqualTo("ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
      assertThat(text(c.call("FOO"))).isEqualTo("ERR unknown command 'FOO', with args beginning with: ");
      assertThat(text(c.call("get"))).isEqualTo("ERR wrong number of arguments for 'get' command");
      assertThat(text(c.call("ECHO"))).isEqualTo("ERR wrong number of arguments for 'echo' command");
      assertThat(text(c.call("CLIENT"))).isEqualTo("ERR wrong number of arguments for 'client' command");
      assertThat(text(c.call("CLIENT", "NOPE"))).isEqualTo("ERR unknown subcommand 'NOPE'. Try CLIENT HELP.");
      assertThat(text(c.call("CLIENT", "SETNAME"))).isEqualTo("ERR wrong number of arguments for 'client|setname' command");
      assertThat(text(c.call("AUTH", "pw"))).startsWith("ERR AUTH <password> called without any password configured");
      // still serving after all of that
      assertThat(text(c.call("PING"))).isEqualTo("PONG");
      // inline commands work too, as with telnet
      c.send("PING\r\n");
      assertThat(text(c.read())).isEqualTo("PONG");
    }
  }

  @Test
  void quitClosesAfterReplyingOk() {
    try (RawClient c = new RawClient(server)) {
      assertThat(text(c.call("QUIT"))).isEqualTo("OK");
      assertThat(c.closedByServer(5000)).isTrue();
    }
  }

  @Test
  void resetRestoresConnectionState() {
    try (RawClient c = new RawClient(server)) {
      c.call("SELECT", "2");
      c.call("CLIENT", "SETNAME", "before");
      c.call("HELLO", "3");
      c.call("MULTI");
      assertThat(text(c.call("RESET"))).isEqualTo("RESET");
      String info = text(c.call("CLIENT", "INFO"));
      assertThat(info).contains("db=0").contains("name= ").contains("resp=2").contains("multi=-1");
    }
  }

  @Test
  void clientKillByIdAddrAndOldForm() {
    try (RawClient victim1 = new RawClient(server); RawClient victim2 = new RawClient(server);
        RawClient victim3 = new RawClient(server); RawClient killer = new RawClient(server)) {
      long id1 = ((RespValue.Int) victim1.call("CLIENT", "ID")).value();
      assertThat(killer.call("CLIENT", "KILL", "ID", Long.toString(id1))).isEqualTo(RespValue.integer(1));
      assertThat(victim1.closedByServer(5000)).isTrue();

      String addr2 = "127.0.0.1:" + victim2.socket().getLocalPort();
      assertThat(killer.call("CLIENT", "KILL", "ADDR", addr2)).isEqualTo(RespValue.integer(1));
      assertThat(victim2.closedByServer(5000)).isTrue();

      String addr3 = "127.0.0.1:" + victim3.socket().getLocalPort();
      assertThat(text(killer.call("CLIENT", "KILL", addr3))).isEqualTo("OK");
      assertThat(victim3.closedByServer(5000)).isTrue();
      assertThat(text(killer.call("CLIENT", "KILL", addr3))).isEqualTo("ERR No such client");
      assertThat(killer.call("CLIENT", "KILL", "ID", "999999")).isEqualTo(RespValue.integer(0));
      assertThat(text(killer.call("CLIENT", "KILL", "BOGUS", "1"))).isEqualTo("ERR syntax error");
      assertThat(text(killer.call("PING"))).isEqualTo("PONG");
    }
  }

  @Test
  void clientSetinfoAndListFilters() {
    try (Jedis j = Clients.jedis(server, RedisProtocol.RESP2)) {
      assertThat(j.sendCommand(Protocol.Command.CLIENT, "SETINFO", "LIB-NAME", "mylib")).isEqualTo("OK".getBytes());
      assertThat(j.clientInfo()).contains("lib-name=mylib");
      long id = j.clientId();
      String list = j.clientList(id);
      assertThat(list.strip().lines()).hasSize(1);
      assertThat(list).contains("id=" + id + " ");
      assertThatThrownBy(() -> j.sendCommand(Protocol.Command.CLIENT, "SETINFO", "BAD", "x"))
          .isInstanceOf(JedisDataException.class).hasMessage("ERR Unrecognized option 'BAD'");
      List<Object> help = (List<Object>) j.sendCommand(Protocol.Command.CLIENT, "HELP");
      assertThat(new String((byte[]) help.get(0))).startsWith("CLIENT <subcommand>");
    }
  }

  @Test
  void idleClientsAreClosedAfterTimeoutButSubscribersAreNot() throws Exception {
    try (RawClient admin = new RawClient(server)) {
      assertThat(text(admin.call("CONFIG", "SET", "timeout", "1"))).isEqualTo("OK");
      try (RawClient idle = new RawClient(server); RawClient subscriber = new RawClient(server)) {
        subscriber.call("SUBSCRIBE", "keepalive");
        assertThat(text(idle.call("PING"))).isEqualTo("PONG");
        assertThat(idle.closedByServer(6000)).isTrue();
        assertThat(subscriber.call("PING")).isEqualTo(RespValue.array(RespValue.bulk("pong"), RespValue.bulk("")));
      } finally {
        admin.command("CONFIG", "SET", "timeout", "0");
      }
    }
  }
}
