package io.corvid.server;

import io.corvid.common.Clock;
import io.corvid.server.config.ServerConfig;
import io.corvid.storage.Keyspace;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * A node in process with one {@link ClientConnection} on an {@link EmbeddedChannel} (pooled
 * buffers, as the transport's), for tests of the whole request path without a socket.
 */
final class EmbeddedNode implements AutoCloseable {
  final Keyspace keyspace;
  final Node node;
  final EmbeddedChannel channel;

  EmbeddedNode(ServerConfig config) {
    config.onChange(name -> { });
    keyspace = Keyspace.create(config.storageConfig(), Clock.SYSTEM);
    node = new Node(config, keyspace, Clock.SYSTEM);
    channel = new EmbeddedChannel(new ClientConnection(node));
    channel.config().setAllocator(PooledByteBufAllocator.DEFAULT);
  }

  /** One request as a RESP array of bulk strings. */
  static String request(String... command) {
    StringBuilder one = new StringBuilder("*").append(command.length).append("\r\n");
    for (String a : command) {
      one.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
    }
    return one.toString();
  }

  @Override
  public void close() {
    channel.finishAndReleaseAll();
    keyspace.close();
  }
}
