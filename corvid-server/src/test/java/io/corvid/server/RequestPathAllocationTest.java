package io.corvid.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.config.ServerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole request path in process — cumulation, parser, command lookup, dispatcher with its
 * lock and stats, GET/SET, reply buffer, flush — on an {@link EmbeddedChannel}, measuring heap
 * allocation per request with the thread's allocation counter. Per-batch costs (the channel's own
 * promise and queue entries, the reply buffer's wrapper) are allowed; per-request costs are not.
 */
class RequestPathAllocationTest {
  private static final int REQUESTS_PER_BATCH = 1000;
  private static final int WARMUP_BATCHES = 300;
  private static final int MEASURED_BATCHES = 100;
  /** Allowed heap bytes per request, for the per-batch overhead spread over the batch. */
  private static final double MAX_BYTES_PER_REQUEST = 8;

  private EmbeddedNode embedded;
  private Node node;
  private EmbeddedChannel channel;

  @BeforeEach
  void setUp() {
    use(new EmbeddedNode(new ServerConfig()));
  }

  private void use(EmbeddedNode e) {
    embedded = e;
    node = e.node;
    channel = e.channel;
  }

  @AfterEach
  void tearDown() {
    embedded.close();
  }

  /** One pipelined batch of {@link #REQUESTS_PER_BATCH} copies of a command, as bytes. */
  private static byte[] batch(String... command) {
    return request(command).repeat(REQUESTS_PER_BATCH).getBytes(StandardCharsets.US_ASCII);
  }

  private static String request(String... command) {
    return EmbeddedNode.request(command);
  }

  /** Feeds batches as a socket read would: in a pooled direct buffer, like the transport's. */
  private long run(byte[] batch, int batches, int expectedReplyBytes) {
    long replyBytes = 0;
    for (int i = 0; i < batches; i++) {
      channel.writeInbound(PooledByteBufAllocator.DEFAULT.directBuffer(batch.length).writeBytes(batch));
      ByteBuf out;
      while ((out = channel.readOutbound()) != null) {
        replyBytes += out.readableBytes();
        out.release();
      }
    }
    assertThat(replyBytes).isEqualTo((long) expectedReplyBytes * REQUESTS_PER_BATCH * batches);
    return replyBytes;
  }

  private void assertAllocationFree(byte[] batch, int replyBytesPerRequest) {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    run(batch, WARMUP_BATCHES, replyBytesPerRequest);
    long before = threads.getCurrentThreadAllocatedBytes();
    run(batch, MEASURED_BATCHES, replyBytesPerRequest);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    double perRequest = (double) allocated / (MEASURED_BATCHES * REQUESTS_PER_BATCH);
    assertThat(perRequest).as("heap bytes allocated per request (%d in total)", allocated).isLessThan(MAX_BYTES_PER_REQUEST);
  }

  @Test
  void pipelinedGetAllocatesNothingPerRequest() {
    run(batch("SET", "key:1", "value-of-key-1"), 1, "+OK\r\n".length());
    assertAllocationFree(batch("GET", "key:1"), "$14\r\nvalue-of-key-1\r\n".length());
  }

  @Test
  void pipelinedSetAllocatesNothingPerRequest() {
    assertAllocationFree(batch("SET", "key:2", "value-of-key-2"), "+OK\r\n".length());
  }

  /** Cluster mode: the slot check (hash the key, look up its owner) allocates nothing either. */
  @Test
  void pipelinedGetAndSetInClusterModeAllocateNothingPerRequest() throws Exception {
    tearDown();
    ServerConfig config = new ServerConfig();
    config.setAtStartup("cluster-enabled", "yes");
    use(new EmbeddedNode(config));
    // A real cluster core, bootstrapped as a cluster of one, as the cluster service drives it.
    io.corvid.cluster.NodeId id = io.corvid.cluster.NodeId.of("a".repeat(40));
    io.corvid.cluster.ClusterNode core = new io.corvid.cluster.ClusterNode(io.corvid.cluster.ClusterConfig.defaults(),
        new io.corvid.cluster.Member(id, "127.0.0.1", 6379, 16379), 1);
    core.onViewChange(new io.corvid.cluster.View(1, java.util.List.of(id), false), System.nanoTime() / 1_000_000);
    assertThat(core.topology().slotsOf(id)).hasSize(io.corvid.common.SlotHash.SLOT_COUNT);
    node.cluster().install(core, io.corvid.server.cluster.SlotTable.of(core.topology(), id.hex()));
    assertAllocationFree(batch("SET", "key:2", "value-of-key-2"), "+OK\r\n".length());
    assertAllocationFree(batch("GET", "key:2"), "$14\r\nvalue-of-key-2\r\n".length());
  }

  @Test
  void pipelinedPingAllocatesNothingPerRequest() {
    assertAllocationFree(batch("PING"), "+PONG\r\n".length());
  }

  /** Another connection that turns CLIENT TRACKING on and reads {@code key}, so the table is in use. */
  private EmbeddedChannel trackingClient(String key) {
    EmbeddedChannel tracker = new EmbeddedChannel(new ClientConnection(node));
    tracker.config().setAllocator(PooledByteBufAllocator.DEFAULT);
    byte[] commands = (request("CLIENT", "TRACKING", "on") + request("GET", key)).getBytes(StandardCharsets.US_ASCII);
    tracker.writeInbound(PooledByteBufAllocator.DEFAULT.directBuffer(commands.length).writeBytes(commands));
    ByteBuf out;
    while ((out = tracker.readOutbound()) != null) {
      out.release();
    }
    assertThat(node.tracking().trackingClients()).isEqualTo(1);
    assertThat(node.tracking().totalKeys()).isEqualTo(1);
    return tracker;
  }

  @Test
  void getAndSetOfAnotherClientAllocateNothingWhileOneTracks() {
    EmbeddedChannel tracker = trackingClient("tracked:1");
    try {
      run(batch("SET", "key:1", "value-of-key-1"), 1, "+OK\r\n".length());
      assertAllocationFree(batch("GET", "key:1"), "$14\r\nvalue-of-key-1\r\n".length());
      assertAllocationFree(batch("SET", "key:2", "value-of-key-2"), "+OK\r\n".length());
    } finally {
      tracker.finishAndReleaseAll();
    }
  }

  @Test
  void rereadingAKeyAlreadyTrackedAllocatesNothing() {
    run(batch("SET", "key:1", "value-of-key-1"), 1, "+OK\r\n".length());
    run(batch("CLIENT", "TRACKING", "on"), 1, "+OK\r\n".length());
    assertAllocationFree(batch("GET", "key:1"), "$14\r\nvalue-of-key-1\r\n".length());
    assertThat(node.tracking().totalKeys()).isEqualTo(1);
    assertThat(node.tracking().totalItems()).isEqualTo(1);
  }
}
