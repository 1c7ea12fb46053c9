package io.corvid.client;

import io.corvid.client.connection.Command;
import io.corvid.client.connection.HostAndPort;
import io.corvid.client.connection.NodeConnection;
import io.corvid.resp.RespValue;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Subscriptions, on a connection of their own (a subscribed connection can run nothing else).
 * Opened on first use to the first node of the topology; classic pub/sub reaches every node of a
 * cluster, so one connection hears every channel. After a reconnect, the channels are subscribed
 * again before anything else is sent. Handlers run on the event loop, in message order.
 */
final class PubSub {
  private final HostAndPort node;
  private final ClientOptions options;
  private final EventLoopGroup group;
  private final Map<String, List<Consumer<Message>>> handlers = new ConcurrentHashMap<>();
  private NodeConnection connection;

  PubSub(HostAndPort node, ClientOptions options, EventLoopGroup group) {
    this.node = node;
    this.options = options;
    this.group = group;
  }

  synchronized CompletableFuture<Subscription> subscribe(String channel, Consumer<Message> handler) {
    if (connection == null) {
      connection = new NodeConnection(node, options, group, new NodeConnection.Listener() {
        @Override
        public void onPush(NodeConnection c, RespValue.Push push) {
          dispatch(push);
        }

        @Override
        public List<Command> reconnectCommands() {
          List<Command> out = new ArrayList<>();
          for (String ch : handlers.keySet()) {
            out.add(subscribeCommand("SUBSCRIBE", ch));
          }
          return out;
        }
      }, true);
      connection.connect();
    }
    boolean first = !handlers.containsKey(channel);
    handlers.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(handler);
    Subscription s = new Subscription() {
      @Override
      public String channel() {
        return channel;
      }

      @Override
      public void close() {
        unsubscribe(channel, handler);
      }
    };
    if (!first) {
      return CompletableFuture.completedFuture(s);
    }
    Command c = subscribeCommand("SUBSCRIBE", channel);
    connection.submit(c);
    return c.future().thenApply(reply -> {
      if (reply instanceof RespValue.ErrorReply) {
        throw new ServerErrorException(((RespValue.ErrorReply) reply).message());
      }
      return s;
    });
  }

  private synchronized void unsubscribe(String channel, Consumer<Message> handler) {
    List<Consumer<Message>> list = handlers.get(channel);
    if (list == null || !list.remove(handler) || !list.isEmpty()) {
      return;
    }
    handlers.remove(channel);
    connection.submit(subscribeCommand("UNSUBSCRIBE", channel));
  }

  private Command subscribeCommand(String verb, String channel) {
    return new Command(Command.args(verb, channel), System.nanoTime() + options.commandTimeout().toNanos(), verb.toLowerCase());
  }

  private void dispatch(RespValue.Push push) {
    List<RespValue> items = push.elements();
    if (!NodeConnection.pushKind(push).equals("message") || items.size() < 3) {
      return;
    }
    String channel = Replies.text(items.get(1));
    List<Consumer<Message>> list = handlers.get(channel);
    if (list == null) {
      return;
    }
    Message m = new Message(channel, Replies.bytes(items.get(2)));
    for (Consumer<Message> h : list) {
      try {
        h.accept(m);
      } catch (RuntimeException e) {
        // one failing handler must not starve the others or the connection
      }
    }
  }

  synchronized void close() {
    if (connection != null) {
      connection.close();
    }
  }
}
