package io.corvid.jcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.server.testing.ServerProcess;
import java.net.URI;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Configuration and bad input: clear errors, and the server-side layout the README promises. */
class ProviderErrorsIT {
  private final CorvidCachingProvider provider = new CorvidCachingProvider();

  @AfterEach
  void close() {
    provider.close();
  }

  private static URI serverUri() {
    ServerProcess server = CorvidServerForTests.server();
    return URI.create("corvid://" + server.host() + ":" + server.port());
  }

  @Test
  void anUnreachableServerIsACacheExceptionNamingIt() {
    CacheManager m = provider.getCacheManager(URI.create("corvid://127.0.0.1:1"), provider.getDefaultClassLoader());
    assertThatThrownBy(() -> m.createCache("c", new MutableConfiguration<>()))
        .isInstanceOf(CacheException.class)
        .hasMessageContaining("127.0.0.1:1");
  }

  @Test
  void aServerUriWithoutHostIsRefused() {
    assertThatThrownBy(() -> provider.getCacheManager(URI.create("corvid:/nothing"), provider.getDefaultClassLoader()))
        .isInstanceOf(CacheException.class)
        .hasMessageContaining("names no server");
  }

  @Test
  void storeByReferenceIsUnsupported() {
    CacheManager m = provider.getCacheManager(serverUri(), provider.getDefaultClassLoader());
    assertThatThrownBy(() -> m.createCache("byref", new MutableConfiguration<>().setStoreByValue(false)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(m.getCache("byref")).isNull();
  }

  @Test
  void aValueThatCannotBeSerializedIsRefused() {
    CacheManager m = provider.getCacheManager(serverUri(), provider.getDefaultClassLoader());
    Cache<String, Object> c = m.createCache("unserializable", new MutableConfiguration<>());
    assertThatThrownBy(() -> c.put("k", new Object()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not Serializable");
    m.destroyCache("unserializable");
  }

  @Test
  void otherUrisAreNamesWithTheirOwnNamespaceAndServersFromProperties() throws Exception {
    URI server = serverUri();
    Properties p = new Properties();
    p.setProperty(CorvidCacheManager.SERVERS, server.getAuthority());
    CacheManager named = provider.getCacheManager(URI.create("app:orders"), provider.getDefaultClassLoader(), p);
    CacheManager direct = provider.getCacheManager(server, provider.getDefaultClassLoader());
    Cache<String, String> a = named.createCache("shared-name", new MutableConfiguration<String, String>());
    Cache<String, String> b = direct.createCache("shared-name", new MutableConfiguration<String, String>()
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(java.util.concurrent.TimeUnit.MINUTES, 5))));
    a.put("k", "in named");
    b.put("k", "in direct");
    assertThat(a.get("k")).isEqualTo("in named");
    assertThat(b.get("k")).isEqualTo("in direct");
    try (Jedis jedis = new Jedis(server.getHost(), server.getPort())) {
      assertThat(jedis.keys("jcache:{app:orders|shared-name}:*")).hasSize(1);
      assertThat(jedis.keys("jcache:{shared-name}:*")).hasSize(1);
      // the created expiry is mirrored in the server TTL
      byte[] key = jedis.keys("jcache:{shared-name}:*".getBytes(java.nio.charset.StandardCharsets.UTF_8)).iterator().next();
      assertThat(jedis.pttl(key)).isBetween(1L, 5 * 60_000L);
    }
    named.destroyCache("shared-name");
    direct.destroyCache("shared-name");
  }
}
