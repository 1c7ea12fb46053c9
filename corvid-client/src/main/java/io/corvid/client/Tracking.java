package io.corvid.client;

import io.corvid.client.cluster.Router;
import io.corvid.client.connection.Command;
import io.corvid.client.connection.NodeConnection;
import io.corvid.resp.RespValue;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Server-assisted client-side caching: turns on {@code CLIENT TRACKING} (default mode: the server
 * remembers the keys each connection read) on every data connection once a near cache exists, and
 * again after every reconnect, and hands the {@code invalidate} pushes to the near caches.
 * Needs RESP3, where the pushes arrive on the connection that did the reads.
 *
 * <p>Near caches are cleared whenever they may have missed an invalidation: a data connection
 * broke (the server forgets its tracking table with the connection), a MOVED re-pointed a slot
 * (failover or resharding: the new owner never saw our reads), or an {@code invalidate} with a
 * null key list (FLUSHALL/FLUSHDB).
 */
final class Tracking implements Router.Hooks {
  private final List<NearCache<?>> caches = new CopyOnWriteArrayList<>();
  private final List<Consumer<NodeConnection>> disconnectListeners = new CopyOnWriteArrayList<>();
  private volatile boolean enabled;
  private volatile long commandTimeoutNanos = Long.MAX_VALUE / 4;

  void commandTimeout(long nanos) {
    commandTimeoutNanos = nanos;
  }

  boolean isEnabled() {
    return enabled;
  }

  void addDisconnectListener(Consumer<NodeConnection> l) {
    disconnectListeners.add(l);
  }

  /** Registers a near cache; the first one turns tracking on for the open connections. */
  synchronized void register(NearCache<?> cache, Router router, SyncCommands sync) {
    if (!enabled) {
      enabled = true; // new and reconnecting connections now ask for tracking in their handshake
      try {
        for (NodeConnection c : router.openConnections()) {
          if (c.protocol() != 3) {
            throw new CorvidException("a near cache needs RESP3 (CLIENT TRACKING invalidation pushes); "
                + c.address() + " speaks RESP2");
          }
          RespValue reply = sync.await(c.send(Command.args("CLIENT", "TRACKING", "ON")));
          if (reply instanceof RespValue.ErrorReply) {
            throw new ServerErrorException(((RespValue.ErrorReply) reply).message());
          }
        }
      } catch (RuntimeException e) {
        enabled = false;
        throw e;
      }
    }
    caches.add(cache);
  }

  @Override
  public List<Command> reconnectCommands() {
    if (!enabled) {
      return List.of();
    }
    return List.of(new Command(Command.args("CLIENT", "TRACKING", "ON"), System.nanoTime() + commandTimeoutNanos));
  }

  @Override
  public void onPush(NodeConnection connection, RespValue.Push push) {
    if (!"invalidate".equals(NodeConnection.pushKind(push)) || push.elements().size() < 2) {
      return;
    }
    RespValue keys = push.elements().get(1);
    if (keys instanceof RespValue.Null) {
      clearAll();
      return;
    }
    for (RespValue k : Replies.list(keys)) {
      ByteBuffer key = ByteBuffer.wrap(Replies.bytes(k));
      for (NearCache<?> c : caches) {
        c.invalidate(key);
      }
    }
  }

  @Override
  public void onDisconnected(NodeConnection connection) {
    clearAll();
    for (Consumer<NodeConnection> l : disconnectListeners) {
      l.accept(connection);
    }
  }

  @Override
  public void onSlotMoved(int slot) {
    clearAll();
  }

  void clearAll() {
    for (NearCache<?> c : caches) {
      c.clear();
    }
  }
}
