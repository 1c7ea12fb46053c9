package io.corvid.bench.simulator;

import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Finds trace files and opens them through the right decompressor. Traces are never copied
 * into the project: they live in a {@code shared/traces} folder beside the repository (or
 * wherever {@value #TRACES_ENV} / {@code -D}{@value #TRACES_PROPERTY} points).
 */
public final class TraceFiles {

  /** Environment variable naming the traces folder. */
  public static final String TRACES_ENV = "CORVID_TRACES";
  /** System property naming the traces folder; wins over the environment. */
  public static final String TRACES_PROPERTY = "corvid.traces";
  /** Where the folder sits relative to the repository root or any of its ancestors. */
  static final String SHARED_TRACES = "shared/traces";

  private static final int STREAM_BUFFER_BYTES = 1 << 16;
  private static final byte[] GZIP_MAGIC = {(byte) 0x1f, (byte) 0x8b};
  private static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};

  private TraceFiles() {}

  /**
   * The shared traces folder: the system property, else the environment variable, else the first
   * {@code shared/traces} found in the working directory or one of its ancestors, then in an
   * ancestor of the simulator's own code (so that
   * {@code /work/shared/traces} is found from {@code /work/wt/bench/corvid-bench}, and a CI
   * clone finds {@code ../shared/traces}).
   */
  public static Optional<Path> tracesDir() {
    for (Path candidate : candidateDirs()) {
      if (Files.isDirectory(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Every place {@link #tracesDir()} looks, in order; for messages. A folder named by the system
   * property or the environment is the only candidate: asking for one folder and silently
   * getting another would be worse than a clear "not found".
   */
  public static List<Path> candidateDirs() {
    List<Path> candidates = new ArrayList<>();
    String property = System.getProperty(TRACES_PROPERTY);
    if (property != null && !property.isBlank()) {
      return List.of(Path.of(property));
    }
    String env = System.getenv(TRACES_ENV);
    if (env != null && !env.isBlank()) {
      return List.of(Path.of(env));
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      candidates.add(dir.resolve(SHARED_TRACES));
    }
    // Then beside the code itself (corvid-bench/target/classes or the benchmarks jar), so that
    // bin/corvid simulate finds the traces from any working directory.
    Optional<Path> code = codeLocation();
    for (Path dir = code.orElse(null); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(SHARED_TRACES);
      if (!candidates.contains(candidate)) {
        candidates.add(candidate);
      }
    }
    return candidates;
  }

  private static Optional<Path> codeLocation() {
    try {
      java.security.CodeSource source = TraceFiles.class.getProtectionDomain().getCodeSource();
      return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()).toAbsolutePath());
    } catch (java.net.URISyntaxException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Resolves {@code name}: as given if that file exists, else relative to the traces folder
   * ({@code arc/OLTP.lis.xz}): {@code tracesDir} when not null, else {@link #tracesDir()}.
   */
  public static Path resolve(String name, Path tracesDir) throws FileNotFoundException {
    Path direct = Path.of(name);
    if (Files.isRegularFile(direct)) {
      return direct;
    }
    Optional<Path> dir = tracesDir != null ? Optional.of(tracesDir) : tracesDir();
    if (dir.isPresent() && Files.isRegularFile(dir.get().resolve(name))) {
      return dir.get().resolve(name);
    }
    throw new FileNotFoundException("trace '" + name + "' not found as a path nor under "
        + dir.map(Path::toString).orElse("a traces folder (looked in " + candidateDirs()
            + "; set -D" + TRACES_PROPERTY + " or " + TRACES_ENV + ")"));
  }

  /** Reads a whole trace into memory; the format comes from the folder unless given. */
  public static Trace load(Path file, TraceFormat format) throws IOException {
    return load(file, format, null);
  }

  /**
   * Reads a whole trace into memory; the format comes from the folder unless given. The trace is
   * named relative to {@code tracesDir} (or the default traces folder) when inside it.
   */
  public static Trace load(Path file, TraceFormat format, Path tracesDir) throws IOException {
    TraceFormat effective = format != null ? format : TraceFormat.ofPath(file);
    if (effective == null) {
      throw new IllegalArgumentException("cannot tell the format of " + file
          + " from its folder; pass --format (" + TraceFormat.knownNames() + ")");
    }
    Trace.Builder builder = new Trace.Builder(displayName(file, tracesDir), effective.weighted());
    try (InputStream in = open(file)) {
      effective.read(in, builder);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
    return builder.build();
  }

  /** Opens a file, decompressing gzip or xz when its first bytes say so. */
  public static InputStream open(Path file) throws IOException {
    return decompress(Files.newInputStream(file));
  }

  static InputStream decompress(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, STREAM_BUFFER_BYTES);
    try {
      if (startsWith(in, XZ_MAGIC)) {
        return new BufferedInputStream(new XZInputStream(in), STREAM_BUFFER_BYTES);
      }
      if (startsWith(in, GZIP_MAGIC)) {
        return new BufferedInputStream(new GZIPInputStream(in, STREAM_BUFFER_BYTES), STREAM_BUFFER_BYTES);
      }
      return in;
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  private static boolean startsWith(BufferedInputStream in, byte[] magic) throws IOException {
    in.mark(magic.length);
    byte[] head = in.readNBytes(magic.length);
    in.reset();
    return java.util.Arrays.equals(head, magic);
  }

  /** {@code arc/OLTP.lis.xz} for a file in the traces folder, else the path as given. */
  static String displayName(Path file, Path tracesDir) {
    Optional<Path> dir = tracesDir != null ? Optional.of(tracesDir) : tracesDir();
    Path absolute = file.toAbsolutePath().normalize();
    if (dir.isPresent()) {
      Path root = dir.get().toAbsolutePath().normalize();
      if (absolute.startsWith(root)) {
        return root.relativize(absolute).toString();
      }
    }
    return file.toString();
  }
}
