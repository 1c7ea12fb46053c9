package io.corvid.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterMessageTest {
  static final Member A = new Member(NodeId.fromSeed(1), "127.0.0.1", 7000, 17000, 2);

  static List<ClusterMessage> samples() {
    Topology t = Placement.place(3, List.of(A, new Member(NodeId.fromSeed(2), "h2", 7001, 17001)), 1, null);
    return List.of(
        new ClusterMessage.StateReport(9, A, t, 4, true, new int[] {1, 16383}, new long[] {5, 0}),
        new ClusterMessage.Prepare(9, 5),
        new ClusterMessage.Promise(9, 5, false, 7),
        new ClusterMessage.Commit(t),
        new ClusterMessage.MigrationReady(3, new int[] {42}, new NodeId[] {NodeId.fromSeed(2)}),
        new ClusterMessage.LeaveRequest(A.id()));
  }

  @Test
  void everyMessageRoundTripsThroughTheWireFormat() {
    for (ClusterMessage m : samples()) {
      byte[] bytes = m.encode();
      assertThat(bytes[0]).isEqualTo(ClusterMessage.PROTOCOL_VERSION);
      ClusterMessage back = ClusterMessage.decode(bytes);
      assertThat(back.getClass()).isEqualTo(m.getClass());
      assertThat(back.encode()).isEqualTo(bytes);
    }
  }

  @Test
  void badBytesAreRejectedWithIllegalArgumentException() {
    byte[] prepare = new ClusterMessage.Prepare(1, 2).encode();
    byte[] wrongVersion = prepare.clone();
    wrongVersion[0] = 9;
    assertThatThrownBy(() -> ClusterMessage.decode(wrongVersion)).hasMessageContaining("version");
    byte[] wrongType = prepare.clone();
    wrongType[1] = 99;
    assertThatThrownBy(() -> ClusterMessage.decode(wrongType)).hasMessageContaining("type");
    assertThatThrownBy(() -> ClusterMessage.decode(Arrays.copyOf(prepare, 5))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ClusterMessage.decode(Arrays.copyOf(prepare, prepare.length + 1)))
        .hasMessageContaining("trailing");
  }
}
