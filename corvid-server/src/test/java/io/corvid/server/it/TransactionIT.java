package io.corvid.server.it;

import static io.corvid.server.testing.RawClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.resp.RespValue;
import io.corvid.server.testing.RawClient;
import io.corvid.server.testing.ServerProcess;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Transaction;

/** MULTI/EXEC/DISCARD/WATCH/UNWATCH, including aborts by writes, expiry and flushes. */
class TransactionIT {
  static ServerProcess server;

  @BeforeAll
  static void start() {
    server = ServerProcess.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void execRunsQueuedCommandsInOrder(RedisProtocol protocol) {
    try (Jedis j = Clients.jedis(server, protocol)) {
      String k = "tx-" + protocol;
      Transaction t = j.multi();
      t.set(k, "1");
      t.incr(k);
      t.get(k);
      List<Object> r = t.exec();
      assertThat(r).containsExactly("OK", 2L, "2");
    }
  }

  @Test
  void queueTimeErrorAbortsWithExecabort() {
    try (RawClient c = new RawClient(server)) {
      assertThat(text(c.call("MULTI"))).isEqualTo("OK");
      assertThat(text(c.call("SET", "ea", "1"))).isEqualTo("QUEUED");
      assertThat(text(c.call("NOSUCHCMD"))).startsWith("ERR unknown command 'NOSUCHCMD'");
      assertThat(text(c.call("GET"))).isEqualTo("ERR wrong number of arguments for 'get' command");
      assertThat(text(c.call("MULTI"))).isEqualTo("ERR MULTI calls can not be nested");
      assertThat(text(c.call("EXEC"))).isEqualTo("EXECABORT Transaction discarded because of previous errors.");
      assertThat(c.call("GET", "ea")).isEqualTo(RespValue.Null.INSTANCE);
      assertThat(text(c.call("EXEC"))).isEqualTo("ERR EXEC without MULTI");
      assertThat(text(c.call("DISCARD"))).isEqualTo("ERR DISCARD without MULTI");
    }
  }

  @Test
  void runtimeErrorsDoNotAbortTheRest() {
    try (RawClient c = new RawClient(server)) {
      c.call("SET", "rt", "notanumber");
      c.call("MULTI");
      c.call("INCR", "rt");
      c.call("SET", "rt2", "v");
      RespValue r = c.call("EXEC");
      List<RespValue> items = ((RespValue.Array) r).elements();
      assertThat(text(items.get(0))).isEqualTo("ERR value is not an integer or out of range");
      assertThat(text(items.get(1))).isEqualTo("OK");
    }
  }

  @Test
  void discardDropsTheQueue() {
    try (RawClient c = new RawClient(server)) {
      c.call("MULTI");
      c.call("SET", "dq", "1");
      assertThat(text(c.call("DISCARD"))).isEqualTo("OK");
      assertThat(c.call("GET", "dq")).isEqualTo(RespValue.Null.INSTANCE);
    }
  }

  @Test
  void watchedKeyWrittenByAnotherClientAbortsExec() {
    try (Jedis a = Clients.jedis(server, RedisProtocol.RESP2); Jedis b = Clients.jedis(server, RedisProtocol.RESP2)) {
      a.set("w1", "0");
      a.watch("w1");
      b.set("w1", "changed");
      Transaction t = a.multi();
      t.set("w1", "mine");
      assertThat(t.exec()).isNull();
      assertThat(a.get("w1")).isEqualTo("changed");
      // the watch is gone after EXEC: the next transaction succeeds
      Transaction t2 = a.multi();
      t2.set("w1", "mine");
      assertThat(t2.exec()).containsExactly("OK");
    }
  }

  @Test
  void resp3AbortedExecIsNull() {
    try (RawClient a = new RawClient(server); RawClient b = new RawClient(server)) {
      a.call("HELLO", "3");
      a.call("WATCH", "w3");
      b.call("SET", "w3", "x");
      a.call("MULTI");
      a.call("GET", "w3");
      assertThat(a.call("EXEC")).isEqualTo(RespValue.Null.INSTANCE);
    }
  }

  @Test
  void unwatchForgetsWatches() {
    try (RawClient a = new RawClient(server); RawClient b = new RawClient(server)) {
      a.call("WATCH", "uw");
      assertThat(text(a.call("UNWATCH"))).isEqualTo("OK");
      b.call("SET", "uw", "x");
      a.call("MULTI");
      a.call("GET", "uw");
      assertThat(a.call("EXEC")).isEqualTo(RespValue.array(RespValue.bulk("x")));
    }
  }

  @Test
  void watchedKeyThatExpiresAbortsExec() throws Exception {
    try (RawClient a = new RawClient(server)) {
      a.call("SET", "wexp", "v", "PX", "100");
      a.call("WATCH", "wexp");
      Thread.sleep(300);
      a.call("MULTI");
      a.call("SET", "other", "1");
      assertThat(a.call("EXEC")).isEqualTo(RespValue.Null.INSTANCE);
      assertThat(text(a.call("WATCH", "x"))).isEqualTo("OK");
      a.call("MULTI");
      assertThat(text(a.call("WATCH", "y"))).isEqualTo("ERR WATCH inside MULTI is not allowed");
      a.call("DISCARD");
    }
  }

  @Test
  void flushallTouchesWatchedKeys() {
    try (RawClient a = new RawClient(server); RawClient b = new RawClient(server)) {
      a.call("SELECT", "5");
      a.call("SET", "fw", "1");
      a.call("WATCH", "fw");
      b.call("SELECT", "5");
      b.call("FLUSHDB");
      a.call("MULTI");
      a.call("SET", "fw", "2");
      assertThat(a.call("EXEC")).isEqualTo(RespValue.Null.INSTANCE);
    }
  }

  @Test
  void shutdownIsRefusedInsideMulti() {
    try (RawClient a = new RawClient(server)) {
      a.call("MULTI");
      assertThat(text(a.call("SHUTDOWN"))).isEqualTo("ERR Command not allowed inside a transaction");
      assertThat(text(a.call("EXEC"))).startsWith("EXECABORT");
      assertThat(server.isAlive()).isTrue();
    }
  }
}
