package io.corvid.jcache;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.testing.ServerProcess;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.jcache.JCacheCacheManager;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import redis.clients.jedis.Jedis;

/**
 * Spring's cache abstraction on corvid-jcache: {@code JCacheCacheManager} over a JSR-107
 * CacheManager from this provider, {@code @Cacheable}/{@code @CachePut}/{@code @CacheEvict} on a
 * bean, a real Corvid node holding the entries (checked with Jedis, another client).
 */
class SpringCacheableIT {

  /** The bean Spring proxies (an interface: a JDK proxy, no class generation needed). */
  public interface Catalogue {
    String product(long id);

    String rename(long id, String name);

    void forget(long id);
  }

  static final class DatabaseCatalogue implements Catalogue {
    final AtomicInteger loads;

    DatabaseCatalogue(AtomicInteger loads) {
      this.loads = loads;
    }

    @Cacheable(cacheNames = "products", key = "#p0")
    @Override
    public String product(long id) {
      loads.incrementAndGet();
      return "product-" + id;
    }

    @CachePut(cacheNames = "products", key = "#p0")
    @Override
    public String rename(long id, String name) {
      return name;
    }

    @CacheEvict(cacheNames = "products", key = "#p0")
    @Override
    public void forget(long id) {
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class AppConfig {
    static URI uri;

    @Bean(destroyMethod = "close")
    javax.cache.CacheManager jcacheManager() {
      CachingProvider provider = Caching.getCachingProvider(CorvidCachingProvider.class.getName());
      javax.cache.CacheManager m = provider.getCacheManager(uri, provider.getDefaultClassLoader());
      m.createCache("products", new MutableConfiguration<Object, Object>().setStatisticsEnabled(true));
      return m;
    }

    @Bean
    JCacheCacheManager cacheManager(javax.cache.CacheManager jcacheManager) {
      return new JCacheCacheManager(jcacheManager);
    }

    @Bean
    AtomicInteger loads() {
      return new AtomicInteger();
    }

    @Bean
    Catalogue catalogue(AtomicInteger loads) {
      return new DatabaseCatalogue(loads);
    }
  }

  @Test
  void cacheableMethodsAreServedFromCorvid() throws Exception {
    ServerProcess server = CorvidServerForTests.server();
    AppConfig.uri = URI.create("corvid://" + server.host() + ":" + server.port());
    try (AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext(AppConfig.class);
         Jedis jedis = new Jedis(server.host(), server.port())) {
      Catalogue catalogue = ctx.getBean(Catalogue.class);
      AtomicInteger loads = ctx.getBean(AtomicInteger.class);
      assertThat(catalogue).isNotInstanceOf(DatabaseCatalogue.class); // Spring's caching proxy

      assertThat(catalogue.product(42)).isEqualTo("product-42");
      assertThat(catalogue.product(42)).isEqualTo("product-42");
      assertThat(catalogue.product(42)).isEqualTo("product-42");
      assertThat(loads.get()).as("the method ran once; twice the value came from the cache").isEqualTo(1);
      assertThat(jedis.keys("jcache:{products}:*")).as("the entry lives in Corvid").hasSize(1);

      catalogue.rename(42, "renamed");
      assertThat(catalogue.product(42)).isEqualTo("renamed");
      assertThat(loads.get()).isEqualTo(1);

      catalogue.forget(42);
      assertThat(jedis.keys("jcache:{products}:*")).isEmpty();
      assertThat(catalogue.product(42)).isEqualTo("product-42");
      assertThat(loads.get()).isEqualTo(2);

      // the JSR-107 statistics saw Spring's calls: 3 hits (2 + after rename), 2 misses
      javax.cache.CacheManager jcache = ctx.getBean(javax.cache.CacheManager.class);
      CorvidCacheStatistics stats = jcache.getCache("products").unwrap(CorvidJCache.class).statistics();
      assertThat(stats.getCacheHits()).isEqualTo(3);
      assertThat(stats.getCacheMisses()).isEqualTo(2);
      jcache.destroyCache("products");
    }
  }
}
