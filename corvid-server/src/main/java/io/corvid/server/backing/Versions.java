package io.corvid.server.backing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versions a node's backing-store writes carry: a hybrid of the wall clock and a counter,
 * {@code max(wall clock in µs, last + 1)}, so they grow strictly within a run whatever the clock
 * does, and stay close to real time so that versions of different runs and nodes compare in
 * roughly the order the writes happened.
 *
 * <p>Across restarts the counter must not fall back when the clock has stepped back (an NTP step,
 * a VM restored from a snapshot): a replayed or new write would then carry a version lower than
 * one this node already wrote, and the database's version guard would throw it away. So the node
 * keeps a ceiling in {@code <dir>/}{@value #FILE}: no version above it is ever handed out, a new
 * run starts above it, and it is raised by {@link #RESERVE_MICROS} at a time (ahead of need, on a
 * background thread, once the versions pass the middle of the reserve; on the caller's thread only
 * when they reach the ceiling before that finished). The file is written to a temporary file,
 * fsynced and renamed over the old one.
 */
final class Versions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("corvid");
  static final String FILE = "corvid-versions";
  /** How far above the last version handed out the ceiling is raised: one minute of wall clock. */
  static final long RESERVE_MICROS = 60_000_000L;

  private final Path file;
  private final LongSupplier wallMicros;
  private final ExecutorService raiser;
  /** Guarded by the caller's lock (the node lock): versions are handed out one at a time. */
  private long last;
  /** The ceiling on disk. */
  private volatile long ceiling;
  private volatile boolean raising;

  /** Reads the ceiling left by the previous run (if any) and reserves a first range above it. */
  Versions(Path dir, LongSupplier wallMicros) throws IOException {
    this.file = dir.resolve(FILE);
    this.wallMicros = wallMicros;
    Files.createDirectories(dir);
    long previous = 0;
    if (Files.exists(file)) {
      String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
      try {
        previous = Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new IOException(file + " does not hold a version ceiling: '" + text + "'");
      }
    }
    long wall = wallMicros.getAsLong();
    if (previous > wall) {
      log.warn("Backing-store versions: the clock ({} µs) is behind the last run's ceiling ({} µs); versions continue "
          + "from the ceiling", wall, previous);
    }
    this.last = Math.max(previous, wall);
    this.raiser = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "corvid-backing-versions");
      t.setDaemon(true);
      return t;
    });
    write(last + RESERVE_MICROS);
  }

  /** The next version (callers serialize: the node lock). */
  long next() {
    long v = Math.max(wallMicros.getAsLong(), last + 1);
    long c = ceiling;
    if (v >= c) {
      try {
        write(v + RESERVE_MICROS); // the background raise did not keep up: wait for the disk here
      } catch (IOException e) {
        throw new IllegalStateException("cannot raise the version ceiling in " + file + ": " + e.getMessage(), e);
      }
    } else if (v >= c - RESERVE_MICROS / 2 && !raising) {
      raising = true;
      long target = v + RESERVE_MICROS;
      raiser.execute(() -> {
        try {
          write(target);
        } catch (IOException e) {
          log.error("Backing-store versions: raising the ceiling in {} failed: {}", file, e.toString());
        } finally {
          raising = false;
        }
      });
    }
    last = v;
    return v;
  }

  /** A version seen elsewhere (a write replayed from the log): later versions are above it. */
  void observe(long version) {
    last = Math.max(last, version);
  }

  long ceiling() {
    return ceiling;
  }

  private synchronized void write(long newCeiling) throws IOException {
    if (newCeiling <= ceiling) {
      return;
    }
    Path tmp = file.resolveSibling(FILE + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap((newCeiling + "\n").getBytes(StandardCharsets.US_ASCII));
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel d = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
      d.force(true); // the rename itself
    } catch (IOException ignored) {
      // some file systems cannot fsync a directory
    }
    ceiling = newCeiling;
  }

  @Override
  public void close() {
    // Let a raise in flight finish: it writes the ceiling's temporary file and renames it, and the
    // directory may be removed or reused as soon as this returns.
    raiser.shutdown();
    try {
      if (!raiser.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)) {
        log.warn("Backing-store versions: raising the ceiling in {} did not finish within 10 s", file);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
