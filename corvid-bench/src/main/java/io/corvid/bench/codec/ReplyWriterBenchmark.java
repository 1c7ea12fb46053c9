package io.corvid.bench.codec;

import io.corvid.resp.RespVersion;
import io.corvid.resp.RespWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Writes the replies to a pipelined batch of {@value #BATCH} GETs into one outbound buffer, as
 * the server does before it flushes once per read batch. Scores are per reply.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ReplyWriterBenchmark {
  static final int BATCH = 100;

  @Param({"true", "false"})
  public boolean direct;

  private ByteBuf out;
  private final byte[] value = new byte[100];

  @Setup(Level.Trial)
  public void setUp() {
    Arrays.fill(value, (byte) 'v');
    PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    out = direct ? alloc.directBuffer(16 * 1024) : alloc.heapBuffer(16 * 1024);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    out.release();
  }

  /** {@code $100\r\n<100 bytes>\r\n}: a GET hit. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int writeGetHitBatch() {
    out.clear();
    for (int i = 0; i < BATCH; i++) {
      RespWriter.bulk(out, value);
    }
    return out.writerIndex();
  }

  /** {@code $-1\r\n}: a GET miss. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int writeGetMissBatch() {
    out.clear();
    for (int i = 0; i < BATCH; i++) {
      RespWriter.nullBulk(out, RespVersion.RESP2);
    }
    return out.writerIndex();
  }
}
