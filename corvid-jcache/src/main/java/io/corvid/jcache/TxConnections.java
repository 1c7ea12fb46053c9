package io.corvid.jcache;

import io.corvid.client.CorvidClient;
import io.corvid.client.CorvidException;
import io.corvid.client.connection.HostAndPort;
import io.corvid.client.connection.NodeConnection;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.cache.CacheException;

/**
 * Connections for WATCH/MULTI/EXEC, which need a connection of their own for the length of one
 * operation: borrowed per operation, returned after, at most {@link #MAX_IDLE_PER_NODE} kept
 * idle per node. One pool per cache manager.
 */
final class TxConnections {
  static final int MAX_IDLE_PER_NODE = 16;

  private final CorvidClient client;
  private final Map<HostAndPort, ArrayDeque<NodeConnection>> idle = new HashMap<>();
  private boolean closed;

  TxConnections(CorvidClient client) {
    this.client = client;
  }

  NodeConnection borrow(byte[] routingKey) {
    NodeConnection fresh;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the cache manager is closed");
      }
      // the node that serves the key: the cluster's topology may have changed since
      List<HostAndPort> nodes = client.router().nodes();
      HostAndPort node = client.isCluster() ? client.router().primaryOf(client.router().slot(routingKey)) : nodes.get(0);
      ArrayDeque<NodeConnection> q = node == null ? null : idle.get(node);
      while (q != null && !q.isEmpty()) {
        NodeConnection c = q.poll();
        if (c.isConnected()) {
          return c;
        }
        c.close();
      }
    }
    try {
      fresh = client.openConnection(routingKey);
    } catch (CorvidException e) {
      throw new CacheException("Corvid: cannot open a connection for a transaction: " + e.getMessage(), e);
    }
    return fresh;
  }

  /** Back to the pool; {@code healthy} false (state unknown, e.g. after a timeout) closes it. */
  void giveBack(NodeConnection c, boolean healthy) {
    synchronized (this) {
      if (!closed && healthy && c.isConnected()) {
        ArrayDeque<NodeConnection> q = idle.computeIfAbsent(c.address(), a -> new ArrayDeque<>());
        if (q.size() < MAX_IDLE_PER_NODE) {
          q.push(c);
          return;
        }
      }
    }
    c.close();
  }

  void close() {
    List<NodeConnection> all = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (ArrayDeque<NodeConnection> q : idle.values()) {
        all.addAll(q);
      }
      idle.clear();
    }
    for (NodeConnection c : all) {
      c.close();
    }
  }
}
