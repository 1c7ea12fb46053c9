package io.corvid.jcache;

import java.lang.management.ManagementFactory;
import javax.cache.CacheException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Registers the two MBeans of a cache in the platform MBean server under the names JSR-107
 * gives: {@code javax.cache:type=CacheConfiguration|CacheStatistics,CacheManager=<uri>,Cache=<name>},
 * where ':', '=', ',' and newlines in the URI and name become '.'.
 */
final class Jmx {
  static final String CONFIGURATION = "CacheConfiguration";
  static final String STATISTICS = "CacheStatistics";

  private Jmx() {}

  static ObjectName name(CorvidJCache<?, ?> cache, String type) {
    try {
      return new ObjectName("javax.cache:type=" + type + ",CacheManager=" + safe(cache.getCacheManager().getURI().toString())
          + ",Cache=" + safe(cache.getName()));
    } catch (MalformedObjectNameException e) {
      throw new CacheException("cannot name the MBean of cache " + cache.getName(), e);
    }
  }

  static String safe(String s) {
    return s == null ? "" : s.replaceAll(":|=|\n|,", ".");
  }

  static synchronized void register(CorvidJCache<?, ?> cache, String type, Object bean) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = name(cache, type);
    try {
      if (!server.isRegistered(name)) {
        server.registerMBean(bean, name);
      }
    } catch (Exception e) {
      throw new CacheException("cannot register MBean " + name, e);
    }
  }

  static synchronized void unregister(CorvidJCache<?, ?> cache, String type) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = name(cache, type);
    try {
      if (server.isRegistered(name)) {
        server.unregisterMBean(name);
      }
    } catch (Exception e) {
      throw new CacheException("cannot unregister MBean " + name, e);
    }
  }
}
