package io.corvid.bench.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

class TraceFormatTest {

  private record Request(long key, int weight) {}

  private static List<Request> read(TraceFormat format, byte[] bytes) throws IOException {
    List<Request> requests = new ArrayList<>();
    format.read(new ByteArrayInputStream(bytes), (key, weight) -> requests.add(new Request(key, weight)));
    return requests;
  }

  private static List<Request> read(TraceFormat format, String text) throws IOException {
    return read(format, text.getBytes(StandardCharsets.US_ASCII));
  }

  private static List<Long> keys(List<Request> requests) {
    return requests.stream().map(Request::key).toList();
  }

  @Test
  void arcLineExpandsToNumBlocksConsecutiveBlocks() throws IOException {
    List<Request> requests = read(TraceFormat.ARC, "100 3 0 0\n7 1 0 1\n\n5 0 0 2\n");
    assertThat(keys(requests)).containsExactly(100L, 101L, 102L, 7L);
    assertThat(requests).allMatch(r -> r.weight() == 1);
  }

  @Test
  void arcRejectsALineWithoutABlockCount() {
    assertThatThrownBy(() -> read(TraceFormat.ARC, "1 1 0 0\n42\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 2");
  }

  @Test
  void lirsSkipsStarsAndBlankLines() throws IOException {
    List<Request> requests = read(TraceFormat.LIRS, "3\n*\n\n  4  \n*\n3\n");
    assertThat(keys(requests)).containsExactly(3L, 4L, 3L);
  }

  @Test
  void lirsNamesTheLineOfAMalformedKey() {
    assertThatThrownBy(() -> read(TraceFormat.LIRS, "1\n2\nx7\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 3")
        .hasMessageContaining("x7");
  }

  @Test
  void cache2kIsBigEndianSignedInt32() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(1);
    out.writeInt(-2);
    out.writeInt(0x12345678);
    assertThat(keys(read(TraceFormat.CACHE2K, bytes.toByteArray())))
        .containsExactly(1L, -2L, 0x12345678L);
  }

  @Test
  void scarabIsBigEndianSignedInt64() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeLong(0x7986_94a0_9014_fb50L);
    out.writeLong(-1L);
    assertThat(keys(read(TraceFormat.SCARAB, bytes.toByteArray())))
        .containsExactly(0x7986_94a0_9014_fb50L, -1L);
  }

  @Test
  void aTornBinaryRecordIsAnError() {
    assertThatThrownBy(() -> read(TraceFormat.SCARAB, new byte[12]))
        .isInstanceOf(EOFException.class);
  }

  @Test
  void addressKeyIsTheHexField() throws IOException {
    List<Request> requests = read(TraceFormat.ADDRESS, "s 0x1fffff50 1\nl 0x1FFFFF58 1\nl 0xffffffffffffffff 6\n");
    assertThat(keys(requests)).containsExactly(0x1fffff50L, 0x1fffff58L, -1L);
  }

  @Test
  void adaptSizeKeyIsIdAndSizeAndTheRequestWeighsTheSize() throws IOException {
    List<Request> requests = read(TraceFormat.ADAPT_SIZE, "1 0 68\n2 1 7454\n3 0 68\n4 0 69\n");
    assertThat(requests).extracting(Request::weight).containsExactly(68, 7454, 68, 69);
    assertThat(requests.get(0).key()).isEqualTo(requests.get(2).key());
    assertThat(requests.get(0).key()).isNotEqualTo(requests.get(3).key());
    assertThat(TraceFormat.ADAPT_SIZE.weighted()).isTrue();
  }

  @Test
  void formatComesFromTheFolderOrTheName() {
    assertThat(TraceFormat.ofPath(Path.of("/x/traces/lirs/gli.trace.gz"))).isEqualTo(TraceFormat.LIRS);
    assertThat(TraceFormat.ofPath(Path.of("/x/traces/adapt_size/request.trace.xz"))).isEqualTo(TraceFormat.ADAPT_SIZE);
    assertThat(TraceFormat.ofPath(Path.of("/tmp/OLTP.lis"))).isEqualTo(TraceFormat.ARC);
    assertThat(TraceFormat.ofPath(Path.of("/tmp/unknown.bin"))).isNull();
    assertThat(TraceFormat.parse("Adapt-Size")).isEqualTo(TraceFormat.ADAPT_SIZE);
    assertThatThrownBy(() -> TraceFormat.parse("zip")).hasMessageContaining("arc, lirs");
  }

  @Test
  void gzipXzAndPlainFilesReadTheSame(@TempDir Path dir) throws IOException {
    byte[] text = "5 2 0 0\n9 1 0 0\n5 1 0 0\n".getBytes(StandardCharsets.US_ASCII);
    Path plain = Files.write(dir.resolve("t.lis"), text);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(text);
    }
    Path gzip = Files.write(dir.resolve("t.lis.gz"), gz.toByteArray());
    ByteArrayOutputStream xzBytes = new ByteArrayOutputStream();
    try (XZOutputStream out = new XZOutputStream(xzBytes, new LZMA2Options())) {
      out.write(text);
    }
    Path xz = Files.write(dir.resolve("t.lis.xz"), xzBytes.toByteArray());

    for (Path file : List.of(plain, gzip, xz)) {
      try (InputStream in = TraceFiles.open(file)) {
        assertThat(in.readAllBytes()).as(file.toString()).isEqualTo(text);
      }
      Trace trace = TraceFiles.load(file, null);
      assertThat(trace.requestCount()).isEqualTo(4);
      assertThat(trace.distinctKeys()).isEqualTo(3);
      assertThat(trace.originalKey(trace.request(3))).isEqualTo(5L);
      assertThat(trace.request(3)).isEqualTo(trace.request(0));
    }
  }

  @Test
  void explicitFormatWinsOverTheFolder(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("keys.txt"), "1 2 3\n");
    assertThatThrownBy(() -> TraceFiles.load(file, null)).hasMessageContaining("--format");
    assertThat(TraceFiles.load(file, TraceFormat.ARC).requestCount()).isEqualTo(2);
  }
}
