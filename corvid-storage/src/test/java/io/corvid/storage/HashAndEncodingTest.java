package io.corvid.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.common.FakeClock;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hashes (listpack and hashtable encodings, conversion, last-field delete) and OBJECT ENCODING. */
class HashAndEncodingTest {
  private final FakeClock clock = new FakeClock();
  private final Keyspace ks = Keyspace.create(StorageConfig.defaults(), clock);

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private boolean hset(String key, String field, String value) {
    return ks.hashSet(0, b(key), 0, key.length(), b(field), 0, field.length(), b(value), 0, value.length());
  }

  private long ref(String key) {
    return ks.lookup(0, b(key), 0, key.length(), Keyspace.LOOKUP_NOTOUCH);
  }

  private Map<String, String> fields(String key) {
    Map<String, String> out = new HashMap<>();
    ks.hashForEach(ref(key), (f, fo, fl, v, vo, vl) -> out.put(new String(f, fo, fl, UTF_8), new String(v, vo, vl, UTF_8)));
    return out;
  }

  @Test
  void smallHashesArePackedAndConvertAboveTheEntryLimit() {
    for (int i = 0; i < StorageConfig.DEFAULT_HASH_MAX_LISTPACK_ENTRIES; i++) {
      assertThat(hset("h", "field" + i, "v" + i)).isTrue();
    }
    assertThat(ks.encoding(ref("h"))).isEqualTo("listpack");
    assertThat(ks.type(ref("h"))).isEqualTo(ValueType.HASH);
    long packed = ks.memoryUsage(ref("h"));
    assertThat(hset("h", "one-more", "v")).isTrue();
    assertThat(ks.encoding(ref("h"))).isEqualTo("hashtable");
    assertThat(ks.hashLength(ref("h"))).isEqualTo(129);
    assertThat(ks.memoryUsage(ref("h"))).as("a hashtable costs more than a listpack").isGreaterThan(packed);
    assertThat(fields("h")).hasSize(129).containsEntry("field0", "v0").containsEntry("one-more", "v");
    assertThat(hset("h", "field0", "changed")).isFalse();
    assertThat(new String(ks.hashGet(ref("h"), b("field0"), 0, 6), UTF_8)).isEqualTo("changed");
  }

  @Test
  void aLongFieldOrValueConvertsToHashtable() {
    hset("v", "f", "short");
    assertThat(ks.encoding(ref("v"))).isEqualTo("listpack");
    hset("v", "g", "x".repeat(StorageConfig.DEFAULT_HASH_MAX_LISTPACK_VALUE + 1));
    assertThat(ks.encoding(ref("v"))).isEqualTo("hashtable");
    assertThat(fields("v")).containsEntry("f", "short").hasSize(2);
    hset("w", "f".repeat(65), "short");
    assertThat(ks.encoding(ref("w"))).as("created directly as a hashtable").isEqualTo("hashtable");
  }

  @Test
  void deletingTheLastFieldDeletesTheKeyInBothEncodings() {
    hset("small", "a", "1");
    hset("small", "b", "2");
    assertThat(ks.hashDelete(0, b("small"), 0, 5, b("a"), 0, 1)).isTrue();
    assertThat(ks.hashDelete(0, b("small"), 0, 5, b("a"), 0, 1)).isFalse();
    assertThat(ks.hashDelete(0, b("small"), 0, 5, b("b"), 0, 1)).isTrue();
    assertThat(ref("small")).isEqualTo(Keyspace.NONE);

    hset("big", "a", "x".repeat(100));
    hset("big", "b", "2");
    assertThat(ks.encoding(ref("big"))).isEqualTo("hashtable");
    assertThat(ks.hashDelete(0, b("big"), 0, 3, b("a"), 0, 1)).isTrue();
    assertThat(ks.hashDelete(0, b("big"), 0, 3, b("b"), 0, 1)).isTrue();
    assertThat(ref("big")).isEqualTo(Keyspace.NONE);
    assertThat(ks.size(0)).isZero();
    assertThat(((OffHeapKeyspace) ks).entryBytes()).isZero();
  }

  @Test
  void stringEncodingsAnswerAsRedis() {
    set("i", "12345");
    set("neg", "-7");
    set("lead", "007");
    set("emb", "x".repeat(44));
    set("raw", "x".repeat(45));
    set("empty", "");
    assertThat(ks.encoding(ref("i"))).isEqualTo("int");
    assertThat(ks.encoding(ref("neg"))).isEqualTo("int");
    assertThat(ks.encoding(ref("lead"))).isEqualTo("embstr");
    assertThat(ks.encoding(ref("emb"))).isEqualTo("embstr");
    assertThat(ks.encoding(ref("raw"))).isEqualTo("raw");
    assertThat(ks.encoding(ref("empty"))).isEqualTo("embstr");
    assertThat(ks.type(ref("raw"))).isEqualTo(ValueType.STRING);
  }

  @Test
  void aStringOverwritesAHashAndAHashReplacesNothingButItself() {
    hset("k", "f", "x".repeat(100));
    set("k", "now a string");
    assertThat(ks.type(ref("k"))).isEqualTo(ValueType.STRING);
    assertThat(new String(ks.stringBytes(ref("k")), UTF_8)).isEqualTo("now a string");
    ((OffHeapKeyspace) ks).checkInvariants();
  }

  @Test
  void stringAddressPointsAtTheValueBytes() {
    set("k", "hello world");
    long r = ref("k");
    long address = ks.stringAddress(r);
    byte[] read = new byte[ks.stringLength(r)];
    for (int i = 0; i < read.length; i++) {
      read[i] = NativeMemory.getByte(address + i);
    }
    assertThat(new String(read, UTF_8)).isEqualTo("hello world");
    byte[] part = new byte[5];
    ks.copyString(r, 6, part, 0, 5);
    assertThat(new String(part, UTF_8)).isEqualTo("world");
    assertThat(ks.keyBytes(r)).isEqualTo(b("k"));
  }

  private void set(String key, String value) {
    ks.setString(0, b(key), 0, key.length(), b(value), 0, value.length(), Keyspace.NO_EXPIRY, false);
  }
}
