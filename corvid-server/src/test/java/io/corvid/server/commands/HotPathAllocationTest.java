package io.corvid.server.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.command.Command;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** GET is the hottest path: a hit must allocate nothing, whatever the reply buffer. SET and INCR neither. */
class HotPathAllocationTest {
  static final int WARMUP_CALLS = 50_000;
  static final int MEASURED_CALLS = 100_000;
  /** Allowance for the measurement itself (a few objects), far below one byte per call. */
  static final long SLACK_BYTES = 16 * 1024;

  @Test
  void getHitAllocatesNothingIntoADirectBuffer() {
    assertGetAllocatesNothing(new CommandHarness(Unpooled.directBuffer(4096)));
  }

  @Test
  void getHitAllocatesNothingIntoAHeapBuffer() {
    assertGetAllocatesNothing(new CommandHarness(Unpooled.buffer(4096)));
  }

  private static void assertGetAllocatesNothing(CommandHarness h) {
    try (h) {
      h.call("SET", "key:1", "x".repeat(100));
      h.call("GET", "key:1"); // leaves the request holding GET key:1
      Command get = h.commands().get("get");
      run(h, get, WARMUP_CALLS);
      com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long tid = Thread.currentThread().threadId();
      long before = threads.getThreadAllocatedBytes(tid);
      run(h, get, MEASURED_CALLS);
      long allocated = threads.getThreadAllocatedBytes(tid) - before;
      assertThat(allocated).as("bytes allocated by %d GET hits", MEASURED_CALLS).isLessThan(SLACK_BYTES);
      assertThat(h.out().readableBytes()).isEqualTo(100 + 8); // "$100\r\n" + value + CRLF
    }
  }

  @org.junit.jupiter.api.Test
  void setOverwriteAndIncrAllocateNothing() {
    try (CommandHarness h = new CommandHarness(Unpooled.directBuffer(4096))) {
      h.call("SET", "counter", "100000");
      h.call("INCR", "counter");
      Command incr = h.commands().get("incr");
      run(h, incr, WARMUP_CALLS);
      assertThat(allocatedBy(() -> run(h, incr, MEASURED_CALLS))).as("bytes allocated by INCR").isLessThan(SLACK_BYTES);
      h.call("SET", "key:1", "y".repeat(100));
      Command set = h.commands().get("set");
      run(h, set, WARMUP_CALLS);
      assertThat(allocatedBy(() -> run(h, set, MEASURED_CALLS))).as("bytes allocated by SET").isLessThan(SLACK_BYTES);
    }
  }

  private static long allocatedBy(Runnable r) {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().threadId();
    long before = threads.getThreadAllocatedBytes(tid);
    r.run();
    return threads.getThreadAllocatedBytes(tid) - before;
  }

  private static void run(CommandHarness h, Command get, int calls) {
    for (int i = 0; i < calls; i++) {
      h.out().clear();
      get.execute(h);
    }
  }
}
