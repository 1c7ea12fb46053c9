package io.corvid.server.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BacklogTest {
  private static byte[] entry(int slot, long offset, String key) {
    return Frames.delete(slot, offset, key.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void holdsEntriesInOffsetOrderAndAnswersWhetherAFollowerCanContinue() {
    Backlog b = new Backlog(1 << 20);
    b.reset(7, 10);
    assertThat(b.covers(7, 10)).as("a follower at the last offset continues with nothing").isTrue();
    assertThat(b.covers(7, 9)).as("entry 10 was never held").isFalse();
    for (long o = 11; o <= 20; o++) {
      b.append(7, entry(7, o, "k" + o));
    }
    assertThat(b.lastOffset(7)).isEqualTo(20);
    assertThat(b.covers(7, 10)).isTrue();
    assertThat(b.covers(7, 15)).isTrue();
    assertThat(b.covers(7, 20)).isTrue();
    assertThat(b.covers(7, 21)).as("ahead of the primary: a different history").isFalse();
    assertThat(b.covers(7, 9)).isFalse();
    for (long o = 11; o <= 20; o++) {
      assertThat(Frames.entryOffset(b.frame(7, o))).isEqualTo(o);
    }
    assertThat(b.frame(7, 10)).isNull();
    assertThat(b.frame(7, 21)).isNull();
    assertThat(b.entries()).isEqualTo(10);
  }

  @Test
  void theTotalBoundTrimsTheOldestEntriesAcrossSlots() {
    int frame = entry(0, 1, "key-00000").length;
    Backlog b = new Backlog(10L * frame);
    b.reset(1, 0);
    b.reset(2, 0);
    for (int i = 1; i <= 10; i++) {
      b.append(1, entry(1, i, String.format("key-%05d", i)));
      b.append(2, entry(2, i, String.format("key-%05d", i)));
    }
    assertThat(b.bytes()).isLessThanOrEqualTo(10L * frame);
    assertThat(b.entries()).isEqualTo(10);
    assertThat(b.trimmed()).isEqualTo(10);
    // Appended alternately, so each slot kept its newest 5.
    assertThat(b.covers(1, 5)).isTrue();
    assertThat(b.covers(1, 4)).isFalse();
    assertThat(b.frame(1, 5)).isNull();
    assertThat(Frames.entryOffset(b.frame(2, 6))).isEqualTo(6);
    assertThat(b.covers(2, 10)).isTrue();
  }

  @Test
  void aResetSlotFreesItsEntriesAndStaleOnesDoNotTrimTheNewOnes() {
    int frame = entry(0, 1, "key-00000").length;
    Backlog b = new Backlog(4L * frame);
    b.reset(3, 0);
    for (int i = 1; i <= 4; i++) {
      b.append(3, entry(3, i, String.format("key-%05d", i)));
    }
    b.reset(3, 100);
    assertThat(b.bytes()).isZero();
    assertThat(b.lastOffset(3)).isEqualTo(100);
    b.append(3, entry(3, 101, "key-00101"));
    b.append(3, entry(3, 102, "key-00102"));
    // The stale frames still count towards the bound until trimmed; the new ones survive them.
    assertThat(b.covers(3, 100)).isTrue();
    assertThat(Frames.entryOffset(b.frame(3, 101))).isEqualTo(101);
    assertThat(Frames.entryOffset(b.frame(3, 102))).isEqualTo(102);
    for (int i = 103; i <= 110; i++) {
      b.append(3, entry(3, i, String.format("key-%05d", i)));
    }
    assertThat(b.entries()).isEqualTo(4);
    assertThat(b.covers(3, 106)).isTrue();
    assertThat(b.covers(3, 105)).isFalse();
  }

  @Test
  void lowering_the_limit_trims_at_once() {
    Backlog b = new Backlog(1 << 20);
    b.reset(0, -1);
    for (int i = 0; i < 1000; i++) {
      b.append(0, entry(0, i, "k" + i));
    }
    assertThat(b.covers(0, -1)).isTrue();
    b.setLimit(1000);
    assertThat(b.bytes()).isLessThanOrEqualTo(1000);
    assertThat(b.covers(0, -1)).isFalse();
    assertThat(b.covers(0, 999)).isTrue();
  }
}
