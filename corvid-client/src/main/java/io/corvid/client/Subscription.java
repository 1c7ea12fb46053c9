package io.corvid.client;

/** A handler registered on a channel; {@link #close()} removes it (UNSUBSCRIBE when it was the last). */
public interface Subscription extends AutoCloseable {
  String channel();

  @Override
  void close();
}
