package io.corvid.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.Clock;
import io.corvid.server.config.ServerConfig;
import io.corvid.storage.Keyspace;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A message delivered to a connection from another thread (an invalidation or a published message
 * made by another connection's command or the cron) must not overtake that connection's replies
 * that were computed before it and are held, unwritten, for a deferred reply (backing stores):
 * a tracking client that read {@code invalidate k} before an older {@code GET k} reply would
 * cache the stale value for good. Real event loops (Netty's local transport), so the delivery
 * really crosses threads.
 */
class DeliveryOrderTest {
  private EventLoopGroup group;
  private Keyspace keyspace;
  private Node node;
  private Channel server;
  private Channel client;
  private volatile Channel serverSide;
  private final StringBuffer received = new StringBuffer();

  @BeforeEach
  void setUp() throws Exception {
    ServerConfig config = new ServerConfig();
    config.onChange(name -> { });
    keyspace = Keyspace.create(config.storageConfig(), Clock.SYSTEM);
    node = new Node(config, keyspace, Clock.SYSTEM);
    group = new MultiThreadIoEventLoopGroup(2, LocalIoHandler.newFactory());
    LocalAddress address = new LocalAddress("delivery-order-" + System.nanoTime());
    server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            serverSide = ch;
            ch.pipeline().addLast(new ClientConnection(node));
          }
        }).bind(address).sync().channel();
    client = new Bootstrap().group(group).channel(LocalChannel.class)
        .handler(new SimpleChannelInboundHandler<ByteBuf>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            received.append(msg.toString(StandardCharsets.US_ASCII));
          }
        }).connect(address).sync().channel();
  }

  @AfterEach
  void tearDown() throws Exception {
    client.close().sync();
    server.close().sync();
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    keyspace.close();
  }

  private ClientConnection connection() throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (node.clients().isEmpty()) {
      assertThat(System.currentTimeMillis()).as("server side of the connection registered").isLessThan(deadline);
      Thread.sleep(5);
    }
    return node.clients().values().iterator().next();
  }

  /** {@code >2 invalidate [k]}. */
  private static final String PUSH = ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n";

  /** What Tracking does for another connection's change: deliver, node lock held, from a thread not the connection's. */
  private void deliverFromThisThread(ClientConnection c, String message) {
    ByteBuf b = Unpooled.copiedBuffer(message, StandardCharsets.US_ASCII);
    node.lock().lock();
    try {
      c.deliver(b);
    } finally {
      node.lock().unlock();
      b.release();
    }
  }

  private void awaitReceived(String expected) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (received.length() < expected.length() && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    assertThat(received.toString()).isEqualTo(expected);
  }

  @Test
  void aMessageFromAnotherThreadWaitsBehindRepliesHeldForADeferredReply() throws Exception {
    ClientConnection c = connection();
    // On the connection's event loop, as a command would: a reply is written, then the next
    // command defers its reply (the connection now holds its output).
    Runnable heldReply = () -> {
      node.dispatcher().lock();
      try {
        c.out().writeBytes("$2\r\nv1\r\n".getBytes(StandardCharsets.US_ASCII));
        c.deferReply();
      } finally {
        node.dispatcher().unlock();
      }
      c.flushOut(); // what the end of the read batch does: nothing while held
    };
    serverSide.eventLoop().submit(heldReply).sync();
    // Another thread (another connection's SET, or the cron) delivers an invalidation.
    deliverFromThisThread(c, PUSH);
    serverSide.eventLoop().submit(() -> { }).sync(); // the delivery task has run
    Thread.sleep(100);
    assertThat(received.toString()).as("nothing overtakes the held reply").isEmpty();
    c.resumeDeferred(conn -> conn.out().writeBytes("+OK\r\n".getBytes(StandardCharsets.US_ASCII)));
    // the held reply, then the message, then the deferred reply completed after it
    awaitReceived("$2\r\nv1\r\n" + PUSH + "+OK\r\n");
  }

  @Test
  void withNothingHeldAMessageFromAnotherThreadGoesOutAtOnce() throws Exception {
    ClientConnection c = connection();
    deliverFromThisThread(c, PUSH);
    awaitReceived(PUSH);
  }
}
