package io.corvid.jcache;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.WeakHashMap;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.OptionalFeature;
import javax.cache.spi.CachingProvider;

/**
 * The JSR-107 provider of Corvid, found by {@code Caching.getCachingProvider()} through
 * {@code META-INF/services/javax.cache.spi.CachingProvider}.
 *
 * <p>A cache manager's URI names the servers: {@code corvid://host:port[,host:port...]} (any seed
 * of a cluster will do; {@code redis://} is accepted too). Any other URI is only a name (it keeps
 * its caches apart from other managers'), and the servers come from the property
 * {@value CorvidCacheManager#SERVERS} or else the default URI. The default URI is the system
 * property {@value #DEFAULT_URI_PROPERTY}, or {@value #DEFAULT_URI}.
 */
public final class CorvidCachingProvider implements CachingProvider {
  /** System property with the default cache manager URI. */
  public static final String DEFAULT_URI_PROPERTY = "corvid.jcache.uri";
  /** The default URI when the system property is not set. */
  public static final String DEFAULT_URI = "corvid://127.0.0.1:6379";

  private final Map<ClassLoader, Map<URI, CorvidCacheManager>> managers = new WeakHashMap<>();
  private final ClientPool clients = new ClientPool();

  @Override
  public CacheManager getCacheManager(URI uri, ClassLoader classLoader, Properties properties) {
    URI u = uri == null ? getDefaultURI() : uri;
    ClassLoader cl = classLoader == null ? getDefaultClassLoader() : classLoader;
    Properties p = properties == null ? new Properties() : properties;
    synchronized (managers) {
      Map<URI, CorvidCacheManager> byUri = managers.computeIfAbsent(cl, k -> new HashMap<>());
      CorvidCacheManager m = byUri.get(u);
      if (m == null || m.isClosed()) {
        m = new CorvidCacheManager(this, u, cl, p, clients);
        byUri.put(u, m);
      }
      return m;
    }
  }

  @Override
  public ClassLoader getDefaultClassLoader() {
    return getClass().getClassLoader();
  }

  @Override
  public URI getDefaultURI() {
    String s = System.getProperty(DEFAULT_URI_PROPERTY, DEFAULT_URI);
    try {
      return new URI(s);
    } catch (URISyntaxException e) {
      throw new CacheException("bad " + DEFAULT_URI_PROPERTY + " '" + s + "': " + e.getMessage(), e);
    }
  }

  @Override
  public Properties getDefaultProperties() {
    return new Properties();
  }

  @Override
  public CacheManager getCacheManager(URI uri, ClassLoader classLoader) {
    return getCacheManager(uri, classLoader, getDefaultProperties());
  }

  @Override
  public CacheManager getCacheManager() {
    return getCacheManager(getDefaultURI(), getDefaultClassLoader(), getDefaultProperties());
  }

  @Override
  public void close() {
    List<CorvidCacheManager> all = new ArrayList<>();
    synchronized (managers) {
      for (Map<URI, CorvidCacheManager> byUri : managers.values()) {
        all.addAll(byUri.values());
      }
      managers.clear();
    }
    for (CorvidCacheManager m : all) {
      m.close();
    }
  }

  @Override
  public void close(ClassLoader classLoader) {
    ClassLoader cl = classLoader == null ? getDefaultClassLoader() : classLoader;
    Map<URI, CorvidCacheManager> byUri;
    synchronized (managers) {
      byUri = managers.remove(cl);
    }
    if (byUri != null) {
      for (CorvidCacheManager m : byUri.values()) {
        m.close();
      }
    }
  }

  @Override
  public void close(URI uri, ClassLoader classLoader) {
    URI u = uri == null ? getDefaultURI() : uri;
    ClassLoader cl = classLoader == null ? getDefaultClassLoader() : classLoader;
    CorvidCacheManager m = null;
    synchronized (managers) {
      Map<URI, CorvidCacheManager> byUri = managers.get(cl);
      if (byUri != null) {
        m = byUri.remove(u);
        if (byUri.isEmpty()) {
          managers.remove(cl);
        }
      }
    }
    if (m != null) {
      m.close();
    }
  }

  /** A closed manager leaves the provider, so asking again gives a new one. */
  void released(CorvidCacheManager manager) {
    synchronized (managers) {
      Map<URI, CorvidCacheManager> byUri = managers.get(manager.getClassLoader());
      if (byUri != null && byUri.get(manager.getURI()) == manager) {
        byUri.remove(manager.getURI());
        if (byUri.isEmpty()) {
          managers.remove(manager.getClassLoader());
        }
      }
    }
  }

  @Override
  public boolean isSupported(OptionalFeature optionalFeature) {
    // STORE_BY_REFERENCE is the only optional feature; entries live in another process.
    return false;
  }
}
