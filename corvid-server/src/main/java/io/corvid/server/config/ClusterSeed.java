package io.corvid.server.config;

import java.util.ArrayList;
import java.util.List;

/**
 * One entry of {@code cluster-seeds}: another node's client address as users know it
 * ({@code server1:6379}), with its cluster bus port: given after '@' as in CLUSTER NODES
 * ({@code server1:6379@16379}), else the client port plus {@link ServerConfig#CLUSTER_PORT_OFFSET}.
 */
public record ClusterSeed(String host, int port, int busPort) {

  /** Parses "host:port[@busport],..." (commas and/or spaces between entries); "" is no seeds. */
  public static List<ClusterSeed> parseList(String value) throws ConfigException {
    List<ClusterSeed> seeds = new ArrayList<>();
    for (String item : value.trim().split("[,\\s]+")) {
      if (!item.isEmpty()) {
        seeds.add(parse(item));
      }
    }
    return List.copyOf(seeds);
  }

  static ClusterSeed parse(String item) throws ConfigException {
    String addr = item;
    String bus = null;
    int at = item.indexOf('@');
    if (at >= 0) {
      addr = item.substring(0, at);
      bus = item.substring(at + 1);
    }
    int colon = addr.lastIndexOf(':');
    if (colon <= 0 || colon == addr.length() - 1) {
      throw new ConfigException("seed '" + item + "' must be host:port or host:port@busport");
    }
    String host = addr.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = port(addr.substring(colon + 1), item);
    int busPort = bus == null ? port + ServerConfig.CLUSTER_PORT_OFFSET : port(bus, item);
    if (busPort > 65535) {
      throw new ConfigException("seed '" + item + "': bus port " + busPort + " (port + "
          + ServerConfig.CLUSTER_PORT_OFFSET + ") is above 65535; give it as host:port@busport");
    }
    return new ClusterSeed(host, port, busPort);
  }

  private static int port(String s, String item) throws ConfigException {
    try {
      int p = Integer.parseInt(s);
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException ignored) {
      // fall through
    }
    throw new ConfigException("seed '" + item + "': invalid port '" + s + "'");
  }

  static String format(List<ClusterSeed> seeds) {
    StringBuilder b = new StringBuilder();
    for (ClusterSeed s : seeds) {
      b.append(b.isEmpty() ? "" : ",").append(s);
    }
    return b.toString();
  }

  @Override
  public String toString() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return busPort == port + ServerConfig.CLUSTER_PORT_OFFSET ? h + ":" + port : h + ":" + port + "@" + busPort;
  }
}
