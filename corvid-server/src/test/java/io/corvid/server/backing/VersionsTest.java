package io.corvid.server.backing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write versions: max(wall clock µs, last + 1), kept above a ceiling persisted in the node's
 * dir, so neither a clock that stands still, nor one that steps back within a run, nor one that is
 * behind at a restart ever hands out a version at or below one handed out before.
 */
class VersionsTest {
  static final long HOUR_MICROS = 3_600_000_000L;

  @TempDir
  Path dir;

  final AtomicLong clock = new AtomicLong(1_800_000_000_000_000L); // µs, 2027

  @Test
  void followTheClockAndGrowWhenItStandsStill() throws IOException {
    try (Versions v = new Versions(dir, clock::get)) {
      long a = v.next();
      assertThat(a).isEqualTo(clock.get() + 1); // a new run starts above the clock it started at
      assertThat(v.next()).isEqualTo(a + 1);
      assertThat(v.next()).isEqualTo(a + 2);
      clock.addAndGet(1_000_000);
      assertThat(v.next()).isEqualTo(clock.get());
    }
  }

  @Test
  void neverFallBackWhenTheClockStepsBackWithinARun() throws IOException {
    try (Versions v = new Versions(dir, clock::get)) {
      long before = v.next();
      clock.addAndGet(-HOUR_MICROS);
      long after = v.next();
      assertThat(after).isEqualTo(before + 1);
    }
  }

  @Test
  void aRestartWithTheClockAnHourBehindStartsAboveEveryEarlierVersion() throws IOException {
    long last;
    try (Versions v = new Versions(dir, clock::get)) {
      for (int i = 0; i < 1000; i++) {
        v.next();
      }
      clock.addAndGet(5_000_000);
      last = v.next();
    }
    clock.addAndGet(-HOUR_MICROS);
    try (Versions again = new Versions(dir, clock::get)) {
      long first = again.next();
      assertThat(first).as("a replayed or new write must win over what the previous run wrote").isGreaterThan(last);
    }
  }

  @Test
  void theCeilingIsOnDiskAboveEveryVersionHandedOut() throws Exception {
    try (Versions v = new Versions(dir, clock::get)) {
      long max = 0;
      // Pass the ceiling several times: the clock runs ahead 20 s per step (the reserve is 60 s).
      for (int i = 0; i < 20; i++) {
        clock.addAndGet(20_000_000);
        max = v.next();
        long onDisk = Long.parseLong(Files.readString(dir.resolve(Versions.FILE)).trim());
        assertThat(onDisk).isGreaterThan(max);
      }
      assertThat(v.ceiling()).isGreaterThan(max);
    }
  }

  @Test
  void observedVersionsFromTheLogAreExceeded() throws IOException {
    try (Versions v = new Versions(dir, clock::get)) {
      long replayed = clock.get() + 10 * HOUR_MICROS; // written by a run whose clock was ahead
      v.observe(replayed);
      assertThat(v.next()).isEqualTo(replayed + 1);
    }
  }

  @Test
  void aDamagedCeilingFileStopsTheStartWithAClearError() throws IOException {
    Files.writeString(dir.resolve(Versions.FILE), "not a number");
    assertThatThrownBy(() -> new Versions(dir, clock::get)).isInstanceOf(IOException.class)
        .hasMessageContaining("does not hold a version ceiling");
  }
}
