package io.corvid.server.it;

import static io.corvid.server.testing.RawClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.resp.RespValue;
import io.corvid.server.testing.RawClient;
import io.corvid.server.testing.ServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisProtocol;

/** SUBSCRIBE/PSUBSCRIBE/PUBLISH/PUBSUB with RESP2 arrays and RESP3 pushes. */
class PubSubIT {
  static ServerProcess server;

  @BeforeAll
  static void start() {
    server = ServerProcess.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static RespValue arr(Object... items) {
    RespValue[] v = new RespValue[items.length];
    for (int i = 0; i < items.length; i++) {
      v[i] = items[i] == null ? RespValue.Null.INSTANCE
          : items[i] instanceof Integer n ? RespValue.integer(n) : RespValue.bulk((String) items[i]);
    }
    return RespValue.array(v);
  }

  @Test
  void resp2ConfirmationsMessagesAndSubscribedStateRestriction() {
    try (RawClient sub = new RawClient(server); RawClient pub = new RawClient(server)) {
      assertThat(sub.call("SUBSCRIBE", "news", "sport")).isEqualTo(arr("subscribe", "news", 1));
      assertThat(sub.read()).isEqualTo(arr("subscribe", "sport", 2));
      assertThat(sub.call("PSUBSCRIBE", "n*")).isEqualTo(arr("psubscribe", "n*", 3));
      assertThat(pub.call("PUBLISH", "news", "hello")).isEqualTo(RespValue.integer(2));
      assertThat(sub.read()).isEqualTo(arr("message", "news", "hello"));
      assertThat(sub.read()).isEqualTo(arr("pmessage", "n*", "news", "hello"));
      assertThat(pub.call("PUBLISH", "nobody", "x")).isEqualTo(RespValue.integer(1)); // matches n*
      assertThat(sub.read()).isEqualTo(arr("pmessage", "n*", "nobody", "x"));
      assertThat(pub.call("PUBLISH", "weather", "x")).isEqualTo(RespValue.integer(0));

      assertThat(text(sub.call("GET", "k"))).isEqualTo("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE"
          + " / PING / QUIT / RESET are allowed in this context");
      assertThat(sub.call("PING")).isEqualTo(arr("pong", ""));
      assertThat(sub.call("PING", "m")).isEqualTo(arr("pong", "m"));

      assertThat(pub.call("PUBSUB", "NUMSUB", "news", "none")).isEqualTo(arr("news", 1, "none", 0));
      assertThat(pub.call("PUBSUB", "NUMPAT")).isEqualTo(RespValue.integer(1));
      RespValue.Array chans = (RespValue.Array) pub.call("PUBSUB", "CHANNELS");
      assertThat(chans.elements()).containsExactlyInAnyOrder(RespValue.bulk("news"), RespValue.bulk("sport"));
      assertThat(pub.call("PUBSUB", "CHANNELS", "s*")).isEqualTo(arr("sport"));

      assertThat(sub.call("UNSUBSCRIBE")).isIn(arr("unsubscribe", "news", 2), arr("unsubscribe", "sport", 2));
      sub.read();
      assertThat(sub.call("PUNSUBSCRIBE")).isEqualTo(arr("punsubscribe", "n*", 0));
      assertThat(sub.call("UNSUBSCRIBE")).isEqualTo(arr("unsubscribe", null, 0));
      // back to normal mode
      assertThat(text(sub.call("PING"))).isEqualTo("PONG");
      assertThat(pub.call("PUBSUB", "NUMPAT")).isEqualTo(RespValue.integer(0));
    }
  }

  @Test
  void resp3DeliversPushesAndAllowsCommandsWhileSubscribed() {
    try (RawClient sub = new RawClient(server); RawClient pub = new RawClient(server)) {
      sub.call("HELLO", "3");
      RespValue confirm = sub.call("SUBSCRIBE", "ch");
      assertThat(confirm).isInstanceOf(RespValue.Push.class);
      assertThat(((RespValue.Push) confirm).elements()).containsExactly(RespValue.bulk("subscribe"), RespValue.bulk("ch"), RespValue.integer(1));
      assertThat(text(sub.call("PING"))).isEqualTo("PONG");
      assertThat(sub.call("GET", "nokey")).isEqualTo(RespValue.Null.INSTANCE);
      pub.call("PUBLISH", "ch", "m1");
      RespValue msg = sub.read();
      assertThat(msg).isInstanceOf(RespValue.Push.class);
      assertThat(((RespValue.Push) msg).elements()).containsExactly(RespValue.bulk("message"), RespValue.bulk("ch"), RespValue.bulk("m1"));
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void jedisSubscriberReceivesMessages(RedisProtocol protocol) throws Exception {
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    JedisPubSub listener = new JedisPubSub() {
      @Override public void onMessage(String channel, String message) {
        got.add(channel + ":" + message);
      }
      @Override public void onPMessage(String pattern, String channel, String message) {
        got.add(pattern + "|" + channel + ":" + message);
      }
      @Override public void onSubscribe(String channel, int n) {
        got.add("sub:" + channel + ":" + n);
      }
    };
    Thread t = new Thread(() -> {
      try (Jedis j = Clients.jedis(server, protocol)) {
        j.subscribe(listener, "jc-" + protocol);
      }
    });
    t.start();
    assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("sub:jc-" + protocol + ":1");
    listener.psubscribe("jp-*");
    try (Jedis p = Clients.jedis(server, RedisProtocol.RESP2)) {
      long deadline = System.currentTimeMillis() + 10_000;
      while (p.publish("jp-x", "warmup") == 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      assertThat(p.publish("jc-" + protocol, "hi")).isEqualTo(1);
    }
    assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("jp-*|jp-x:warmup");
    assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("jc-" + protocol + ":hi");
    listener.unsubscribe();
    listener.punsubscribe();
    t.join(10_000);
    assertThat(t.isAlive()).isFalse();
  }

  @Test
  void lettuceResp3PubSub() throws Exception {
    RedisClient client = Clients.lettuce(server, ProtocolVersion.RESP3);
    try (StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
        var pub = client.connect()) {
      BlockingQueue<String> got = new LinkedBlockingQueue<>();
      sub.addListener(new RedisPubSubAdapter<>() {
        @Override public void message(String channel, String message) {
          got.add(channel + ":" + message);
        }
        @Override public void message(String pattern, String channel, String message) {
          got.add(pattern + "|" + channel + ":" + message);
        }
      });
      sub.sync().subscribe("lc");
      sub.sync().psubscribe("lp.*");
      // RESP3 lets the subscribed connection run normal commands.
      assertThat(sub.sync().ping()).isEqualTo("PONG");
      assertThat(pub.sync().publish("lc", "one")).isEqualTo(1);
      assertThat(pub.sync().publish("lp.a", "two")).isEqualTo(1);
      assertThat(List.of(got.poll(10, TimeUnit.SECONDS), got.poll(10, TimeUnit.SECONDS)))
          .containsExactly("lc:one", "lp.*|lp.a:two");
      assertThat(pub.sync().pubsubNumsub("lc")).containsEntry("lc", 1L);
    } finally {
      client.shutdown();
    }
  }

  @Test
  void subscriberDisconnectRemovesItsSubscriptions() throws Exception {
    try (RawClient pub = new RawClient(server)) {
      try (RawClient sub = new RawClient(server)) {
        sub.call("SUBSCRIBE", "gone");
        assertThat(pub.call("PUBSUB", "NUMSUB", "gone")).isEqualTo(arr("gone", 1));
      }
      long deadline = System.currentTimeMillis() + 5000;
      while (!pub.call("PUBSUB", "NUMSUB", "gone").equals(arr("gone", 0)) && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      assertThat(pub.call("PUBLISH", "gone", "x")).isEqualTo(RespValue.integer(0));
    }
  }
}
