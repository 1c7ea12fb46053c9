package io.corvid.bench.storage;

import io.corvid.common.Clock;
import io.corvid.storage.EvictionPolicy;
import io.corvid.storage.Keyspace;
import io.corvid.storage.StorageConfig;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hot paths of the storage engine, one call each: GET hit and miss, SET overwrite of an existing
 * key, and the value copy out (into a heap array, and from {@code stringAddress} into a direct
 * buffer as the server does). Keys are 16 bytes, values 100, as in the memory budget.
 *
 * <p>Run: {@code java -cp <bench classpath> org.openjdk.jmh.Main KeyspaceBenchmark -prof gc};
 * {@code gc.alloc.rate.norm} must be about 0 B/op for the lookups and copies.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class KeyspaceBenchmark {
  private static final int KEY_BYTES = 16;
  private static final int VALUE_BYTES = 100;

  /** Keys in the keyspace: fits the CPU caches (10k) or does not (1M). */
  @Param({"10000", "1000000"})
  int keys;

  @Param({"allkeys-lru"})
  String policy;

  private Keyspace keyspace;
  private byte[][] present;
  private byte[][] absent;
  private final byte[] value = new byte[VALUE_BYTES];
  private final byte[] out = new byte[VALUE_BYTES];
  private final ByteBuffer direct = ByteBuffer.allocateDirect(VALUE_BYTES);
  private MemorySegment directSegment;
  private int next;

  @Setup(Level.Trial)
  public void fill() {
    keyspace = Keyspace.create(StorageConfig.defaults().withPolicy(EvictionPolicy.fromConfigName(policy)), Clock.SYSTEM);
    present = new byte[keys][];
    absent = new byte[keys][];
    for (int i = 0; i < keys; i++) {
      present[i] = key("key:", i);
      absent[i] = key("nok:", i);
      keyspace.setString(0, present[i], 0, KEY_BYTES, value, 0, VALUE_BYTES, Keyspace.NO_EXPIRY, false);
    }
    // Visit keys in a scrambled order so that a large keyspace really misses the caches.
    java.util.Random random = new java.util.Random(42);
    for (int i = keys - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      byte[] t = present[i];
      present[i] = present[j];
      present[j] = t;
    }
    directSegment = MemorySegment.ofBuffer(direct);
  }

  @TearDown(Level.Trial)
  public void close() {
    keyspace.close();
  }

  private static byte[] key(String prefix, int i) {
    byte[] k = new byte[KEY_BYTES];
    for (int p = 0; p < 4; p++) {
      k[p] = (byte) prefix.charAt(p);
    }
    for (int p = KEY_BYTES - 1; p >= 4; p--) {
      k[p] = (byte) ('0' + i % 10);
      i /= 10;
    }
    return k;
  }

  private byte[] nextPresent() {
    int i = next;
    next = (i + 1 == keys) ? 0 : i + 1;
    return present[i];
  }

  private byte[] nextAbsent() {
    int i = next;
    next = (i + 1 == keys) ? 0 : i + 1;
    return absent[i];
  }

  @Benchmark
  public long lookupHit() {
    byte[] k = nextPresent();
    return keyspace.lookup(0, k, 0, KEY_BYTES, 0);
  }

  @Benchmark
  public long lookupMiss() {
    byte[] k = nextAbsent();
    return keyspace.lookup(0, k, 0, KEY_BYTES, 0);
  }

  @Benchmark
  public long setStringOverwrite() {
    byte[] k = nextPresent();
    return keyspace.setString(0, k, 0, KEY_BYTES, value, 0, VALUE_BYTES, Keyspace.NO_EXPIRY, false);
  }

  /** GET as the server does it: lookup, then copy from the value's address into a direct buffer. */
  @Benchmark
  public byte copyValueToDirectBuffer() {
    byte[] k = nextPresent();
    long ref = keyspace.lookup(0, k, 0, KEY_BYTES, 0);
    int len = keyspace.stringLength(ref);
    MemorySegment.copy(MemorySegment.NULL.reinterpret(Long.MAX_VALUE), keyspace.stringAddress(ref), directSegment, 0, len);
    return directSegment.get(ValueLayout.JAVA_BYTE, 0);
  }

  @Benchmark
  public byte copyValueToArray() {
    byte[] k = nextPresent();
    long ref = keyspace.lookup(0, k, 0, KEY_BYTES, 0);
    keyspace.copyString(ref, 0, out, 0, keyspace.stringLength(ref));
    return out[0];
  }
}
