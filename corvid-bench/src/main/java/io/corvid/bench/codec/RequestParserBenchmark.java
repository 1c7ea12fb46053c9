package io.corvid.bench.codec;

import io.corvid.resp.ProtocolException;
import io.corvid.resp.Request;
import io.corvid.resp.RequestParser;
import io.corvid.resp.RespLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Parses a pipelined batch of {@value #BATCH} requests, as one read from a busy client delivers
 * them, into one warmed {@link Request}. Scores are per request ({@link OperationsPerInvocation});
 * with {@code -prof gc}, {@code gc.alloc.rate.norm} should be about 0 B/op.
 *
 * <p>{@code GET key:NNNNNNNN} is 37 bytes on the wire; {@code SET key:NNNNNNNN <100 bytes>} is 144.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class RequestParserBenchmark {
  static final int BATCH = 100;
  static final int VALUE_BYTES = 100;

  /** Heap or direct input buffer: Netty's pooled allocator hands the server direct ones. */
  @Param({"true", "false"})
  public boolean direct;

  private ByteBuf gets;
  private ByteBuf sets;
  private final RequestParser parser = new RequestParser(RespLimits.defaults());
  private final Request request = new Request();

  @Setup(Level.Trial)
  public void setUp() throws ProtocolException {
    PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    gets = direct ? alloc.directBuffer() : alloc.heapBuffer();
    sets = direct ? alloc.directBuffer() : alloc.heapBuffer();
    String value = "v".repeat(VALUE_BYTES);
    for (int i = 0; i < BATCH; i++) {
      String key = String.format("key:%08d", i);
      write(gets, "GET", key);
      write(sets, "SET", key, value);
    }
    // Warm the Request's arena so the measured parses reuse it.
    parseAll(sets, null);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    gets.release();
    sets.release();
  }

  private static void write(ByteBuf out, String... args) {
    out.writeCharSequence("*" + args.length + "\r\n", StandardCharsets.US_ASCII);
    for (String a : args) {
      out.writeCharSequence("$" + a.length() + "\r\n" + a + "\r\n", StandardCharsets.US_ASCII);
    }
  }

  private int parseAll(ByteBuf in, Blackhole bh) throws ProtocolException {
    in.readerIndex(0);
    int n = 0;
    while (parser.parse(in, request)) {
      n++;
      if (bh != null) {
        bh.consume(request.length(request.argc() - 1));
      }
    }
    if (n != BATCH) {
      throw new IllegalStateException("parsed " + n);
    }
    return n;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int parseGetBatch(Blackhole bh) throws ProtocolException {
    return parseAll(gets, bh);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int parseSetBatch(Blackhole bh) throws ProtocolException {
    return parseAll(sets, bh);
  }
}
