package io.corvid.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramesTest {
  private static ByteBuf stream() {
    ByteBuf b = Unpooled.buffer();
    b.writeBytes("+OK\r\n".getBytes(StandardCharsets.US_ASCII));
    Frames.handshake(b, Frames.SNAPSHOT, 16383, 7, 0x1234_5678_9abc_def0L, 41);
    Frames.chunk(b, 16383, new byte[] {1, 2, 3}, 0, 3);
    Frames.snapshotEnd(b, 16383);
    b.writeBytes(Frames.write(16383, 42, "key".getBytes(StandardCharsets.UTF_8), 1_700_000_000_000L, new byte[] {9, 8}));
    b.writeBytes(Frames.delete(5, 43, "gone".getBytes(StandardCharsets.UTF_8)));
    Frames.handshake(b, Frames.CONTINUE, 0, 8, -1L, 0);
    Frames.notPrimary(b, 12, -1);
    Frames.ping(b);
    b.writeBytes(Frames.write(1, 1, new byte[0], -1, new byte[0]));
    byte[] v = Frames.keyed(Frames.STRING, 2, 3, "s".getBytes(StandardCharsets.UTF_8), -1, 2);
    v[v.length - 2] = 'o';
    v[v.length - 1] = 'k';
    b.writeBytes(v);
    b.writeBytes("-NOAUTH Authentication required.\r\n".getBytes(StandardCharsets.US_ASCII));
    return b;
  }

  private static void check(List<Frames.Frame> f) {
    assertThat(f).hasSize(12);
    assertThat(f.get(0).type()).isEqualTo((byte) '+');
    assertThat(f.get(0).line()).isEqualTo("OK");
    Frames.Frame s = f.get(1);
    assertThat(s.type()).isEqualTo(Frames.SNAPSHOT);
    assertThat(s.slot()).isEqualTo(16383);
    assertThat(s.seq()).isEqualTo(7);
    assertThat(s.history()).isEqualTo(0x1234_5678_9abc_def0L);
    assertThat(s.offset()).isEqualTo(41);
    assertThat(f.get(2).payload()).containsExactly(1, 2, 3);
    assertThat(f.get(3).type()).isEqualTo(Frames.SNAPSHOT_END);
    Frames.Frame w = f.get(4);
    assertThat(w.type()).isEqualTo(Frames.WRITE);
    assertThat(w.slot()).isEqualTo(16383);
    assertThat(w.offset()).isEqualTo(42);
    assertThat(w.expireAt()).isEqualTo(1_700_000_000_000L);
    assertThat(new String(w.key(), StandardCharsets.UTF_8)).isEqualTo("key");
    assertThat(w.payload()).containsExactly(9, 8);
    Frames.Frame d = f.get(5);
    assertThat(d.type()).isEqualTo(Frames.DELETE);
    assertThat(d.offset()).isEqualTo(43);
    assertThat(new String(d.key(), StandardCharsets.UTF_8)).isEqualTo("gone");
    assertThat(f.get(6).type()).isEqualTo(Frames.CONTINUE);
    assertThat(f.get(6).history()).isEqualTo(-1L);
    assertThat(f.get(7).type()).isEqualTo(Frames.NOT_PRIMARY);
    assertThat(f.get(7).seq()).isEqualTo(-1);
    assertThat(f.get(8).type()).isEqualTo(Frames.PING);
    assertThat(f.get(9).key()).isEmpty();
    assertThat(f.get(9).payload()).isEmpty();
    Frames.Frame str = f.get(10);
    assertThat(str.type()).isEqualTo(Frames.STRING);
    assertThat(str.slot()).isEqualTo(2);
    assertThat(str.offset()).isEqualTo(3);
    assertThat(str.expireAt()).isEqualTo(-1);
    assertThat(new String(str.payload(), StandardCharsets.UTF_8)).isEqualTo("ok");
    assertThat(f.get(11).type()).isEqualTo((byte) '-');
    assertThat(f.get(11).line()).isEqualTo("NOAUTH Authentication required.");
  }

  @Test
  void decodesAWholeStream() {
    List<Frames.Frame> out = new ArrayList<>();
    ByteBuf b = stream();
    new Frames.Decoder().decode(b, out);
    assertThat(b.isReadable()).isFalse();
    check(out);
  }

  @Test
  void decodesTheSameStreamFedOneByteAtATime() {
    ByteBuf all = stream();
    ByteBuf in = Unpooled.buffer();
    Frames.Decoder d = new Frames.Decoder();
    List<Frames.Frame> out = new ArrayList<>();
    while (all.isReadable()) {
      in.writeByte(all.readByte());
      d.decode(in, out);
      in.discardReadBytes();
    }
    assertThat(in.isReadable()).isFalse();
    check(out);
  }

  @Test
  void decodesTheStreamSplitAtEveryPosition() {
    byte[] all = new byte[stream().readableBytes()];
    stream().readBytes(all);
    for (int cut = 0; cut <= all.length; cut++) {
      ByteBuf in = Unpooled.buffer();
      Frames.Decoder d = new Frames.Decoder();
      List<Frames.Frame> out = new ArrayList<>();
      in.writeBytes(all, 0, cut);
      d.decode(in, out);
      in.writeBytes(all, cut, all.length - cut);
      d.decode(in, out);
      check(out);
    }
  }

  @Test
  void refusesMalformedFrames() {
    ByteBuf bad = Unpooled.buffer().writeByte('Q').writeInt(0);
    assertThatThrownBy(() -> new Frames.Decoder().decode(bad, new ArrayList<>()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("unknown frame type");
    ByteBuf huge = Unpooled.buffer().writeByte('W').writeInt(Frames.MAX_FRAME_BYTES + 1);
    assertThatThrownBy(() -> new Frames.Decoder().decode(huge, new ArrayList<>()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("out of range");
    ByteBuf shortEnd = Unpooled.buffer().writeByte('E').writeInt(1).writeByte(0);
    assertThatThrownBy(() -> new Frames.Decoder().decode(shortEnd, new ArrayList<>()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("with a body of 1 bytes");
    ByteBuf keyTooLong = Unpooled.buffer().writeByte('W').writeInt(22).writeShort(1).writeLong(1).writeLong(-1).writeInt(5);
    assertThatThrownBy(() -> new Frames.Decoder().decode(keyTooLong, new ArrayList<>()))
        .isInstanceOf(IllegalStateException.class);
  }
}
