package io.corvid.jcache;

import io.corvid.client.CorvidClient;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.Configuration;
import javax.cache.spi.CachingProvider;

/**
 * A JSR-107 cache manager over one Corvid deployment (a node or a cluster). The connection is
 * made when the first cache is created or looked up, through a client shared with the provider's
 * other managers of the same servers.
 *
 * <p>Properties (all optional):
 * <ul>
 *   <li>{@value #SERVERS}: comma-separated {@code host:port} seeds when the URI is not a
 *       {@code corvid://} URI;</li>
 *   <li>{@value #NAMESPACE}: put before every cache name in the server keys; by default empty for
 *       a {@code corvid://} URI (so every process using the same URI and cache name shares the
 *       entries) and {@code <uri>|} for any other URI;</li>
 *   <li>{@value #USER} / {@value #PASSWORD}: AUTH;</li>
 *   <li>{@value #EXPIRED_GRACE}: milliseconds an expired entry stays on the server when the cache
 *       has an expiry listener, so that its EXPIRED event can be raised (default
 *       {@value #DEFAULT_EXPIRED_GRACE_MILLIS}).</li>
 * </ul>
 */
public final class CorvidCacheManager implements CacheManager {
  public static final String SERVERS = "corvid.servers";
  public static final String NAMESPACE = "corvid.namespace";
  public static final String USER = "corvid.user";
  public static final String PASSWORD = "corvid.password";
  public static final String EXPIRED_GRACE = "corvid.expiredEventGraceMillis";
  public static final long DEFAULT_EXPIRED_GRACE_MILLIS = 60_000;

  private final CorvidCachingProvider provider;
  private final URI uri;
  private final ClassLoader classLoader;
  private final Properties properties;
  private final ClientPool pool;
  private final String[] seeds;
  private final String namespace;
  private final long expiredGraceMillis;
  private final Map<String, CorvidJCache<?, ?>> caches = new LinkedHashMap<>();
  private CorvidClient client;
  private TxConnections txConnections;
  private volatile boolean closed;

  CorvidCacheManager(CorvidCachingProvider provider, URI uri, ClassLoader classLoader, Properties properties, ClientPool pool) {
    this.provider = provider;
    this.uri = uri;
    this.classLoader = classLoader;
    this.properties = new Properties();
    this.properties.putAll(properties);
    this.pool = pool;
    boolean serverUri = "corvid".equalsIgnoreCase(uri.getScheme()) || "redis".equalsIgnoreCase(uri.getScheme());
    String servers;
    if (serverUri) {
      servers = uri.getAuthority();
      if (servers == null || servers.isEmpty()) {
        throw new CacheException("the URI " + uri + " names no server (corvid://host:port)");
      }
    } else {
      servers = properties.getProperty(SERVERS);
      if (servers == null) {
        servers = provider.getDefaultURI().getAuthority();
      }
    }
    this.seeds = servers.split(",");
    String ns = properties.getProperty(NAMESPACE);
    this.namespace = ns != null ? ns : serverUri ? "" : uri + "|";
    this.expiredGraceMillis = Long.parseLong(properties.getProperty(EXPIRED_GRACE, Long.toString(DEFAULT_EXPIRED_GRACE_MILLIS)));
  }

  synchronized CorvidClient client() {
    if (client == null) {
      try {
        client = pool.acquire(seeds, properties.getProperty(USER), properties.getProperty(PASSWORD));
      } catch (RuntimeException e) {
        throw new CacheException("cannot connect to Corvid at " + String.join(",", seeds) + ": " + e.getMessage(), e);
      }
      txConnections = new TxConnections(client);
    }
    return client;
  }

  long expiredGraceMillis() {
    return expiredGraceMillis;
  }

  @Override
  public CachingProvider getCachingProvider() {
    return provider;
  }

  @Override
  public URI getURI() {
    return uri;
  }

  @Override
  public ClassLoader getClassLoader() {
    return classLoader;
  }

  @Override
  public Properties getProperties() {
    return properties;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("cache manager " + uri + " is closed");
    }
  }

  @Override
  public <K, V, C extends Configuration<K, V>> Cache<K, V> createCache(String cacheName, C configuration) {
    ensureOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    Objects.requireNonNull(configuration, "configuration");
    synchronized (this) {
      if (caches.containsKey(cacheName)) {
        throw new CacheException("a cache named " + cacheName + " exists already");
      }
      CorvidJCache<K, V> cache = new CorvidJCache<>(this, cacheName, new Store(client(), txConnections, namespace, cacheName), configuration);
      caches.put(cacheName, cache);
      return cache;
    }
  }

  @SuppressWarnings("unchecked")
  @Override
  public <K, V> Cache<K, V> getCache(String cacheName, Class<K> keyType, Class<V> valueType) {
    ensureOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    Objects.requireNonNull(keyType, "keyType");
    Objects.requireNonNull(valueType, "valueType");
    CorvidJCache<?, ?> cache;
    synchronized (this) {
      cache = caches.get(cacheName);
    }
    if (cache == null) {
      return null;
    }
    Configuration<?, ?> c = cache.getConfiguration(Configuration.class);
    if (!keyType.equals(c.getKeyType())) {
      throw new ClassCastException("cache " + cacheName + " has keys of " + c.getKeyType().getName() + ", not " + keyType.getName());
    }
    if (!valueType.equals(c.getValueType())) {
      throw new ClassCastException("cache " + cacheName + " has values of " + c.getValueType().getName() + ", not " + valueType.getName());
    }
    return (Cache<K, V>) cache;
  }

  @SuppressWarnings("unchecked")
  @Override
  public <K, V> Cache<K, V> getCache(String cacheName) {
    ensureOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    synchronized (this) {
      return (Cache<K, V>) caches.get(cacheName);
    }
  }

  @Override
  public Iterable<String> getCacheNames() {
    ensureOpen();
    synchronized (this) {
      return Collections.unmodifiableSet(new LinkedHashSet<>(caches.keySet()));
    }
  }

  @Override
  public void destroyCache(String cacheName) {
    CorvidJCache<?, ?> cache = managed(cacheName);
    if (cache != null) {
      cache.destroy();
    }
  }

  /** The open cache of that name, null when none (the manager must be open). */
  private synchronized CorvidJCache<?, ?> managed(String cacheName) {
    ensureOpen();
    Objects.requireNonNull(cacheName, "cacheName");
    return caches.get(cacheName);
  }

  @Override
  public void enableManagement(String cacheName, boolean enabled) {
    CorvidJCache<?, ?> cache = managed(cacheName);
    if (cache != null) {
      cache.setManagementEnabled(enabled);
    }
  }

  @Override
  public void enableStatistics(String cacheName, boolean enabled) {
    CorvidJCache<?, ?> cache = managed(cacheName);
    if (cache != null) {
      cache.setStatisticsEnabled(enabled);
    }
  }

  /** A closed cache leaves its manager (its entries stay on the server). */
  synchronized void released(CorvidJCache<?, ?> cache) {
    caches.remove(cache.getName(), cache);
  }

  @Override
  public void close() {
    List<CorvidJCache<?, ?>> open;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      open = new ArrayList<>(caches.values());
    }
    provider.released(this);
    for (CorvidJCache<?, ?> c : open) {
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // close the others anyway
      }
    }
    synchronized (this) {
      caches.clear();
      if (client != null) {
        txConnections.close();
        pool.release(client);
        client = null;
      }
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    if (clazz == CorvidClient.class) {
      return clazz.cast(client());
    }
    throw new IllegalArgumentException("cannot unwrap the cache manager to " + clazz.getName());
  }
}
