package io.corvid.server.it;

import io.corvid.server.testing.ServerProcess;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.protocol.ProtocolVersion;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;

/** Real Redis clients pointed at a test server. */
final class Clients {
  private Clients() {}

  static Jedis jedis(ServerProcess s, RedisProtocol protocol) {
    return new Jedis(new HostAndPort(s.host(), s.port()),
        DefaultJedisClientConfig.builder().protocol(protocol).timeoutMillis(10_000).build());
  }

  static Jedis jedis(ServerProcess s, RedisProtocol protocol, String password) {
    return new Jedis(new HostAndPort(s.host(), s.port()),
        DefaultJedisClientConfig.builder().protocol(protocol).password(password).timeoutMillis(10_000).build());
  }

  static RedisClient lettuce(ServerProcess s, ProtocolVersion version) {
    RedisClient c = RedisClient.create(RedisURI.create(s.host(), s.port()));
    c.setOptions(ClientOptions.builder().protocolVersion(version).build());
    return c;
  }
}
