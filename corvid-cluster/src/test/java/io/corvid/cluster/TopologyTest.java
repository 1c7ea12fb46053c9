package io.corvid.cluster;

import static io.corvid.common.SlotHash.SLOT_COUNT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopologyTest {
  static final NodeId A = NodeId.fromSeed(1);
  static final NodeId B = NodeId.fromSeed(2);
  static final NodeId C = NodeId.fromSeed(3);
  static final List<Member> MEMBERS = List.of(
      new Member(A, "127.0.0.1", 7000, 17000), new Member(B, "127.0.0.1", 7001, 17001),
      new Member(C, "host-c.example", 7002, 17002, 3));

  static Topology threeNodes() {
    Topology.Builder b = Topology.builder(7, 1, MEMBERS);
    for (int s = 0; s < SLOT_COUNT; s++) {
      if (s < 5000) {
        b.owners(s, A, List.of(B));
      } else if (s < 10000) {
        b.owners(s, B, List.of(C));
      } else {
        b.owners(s, C, List.of(A));
      }
    }
    b.migration(42, new Migration(42, A, C));
    b.migration(5000, new Migration(5000, B, C)); // role swap: C is already B's replica there
    return b.build();
  }

  @Test
  void nodeIdsAreFortyLowercaseHexCharacters() {
    assertThat(NodeId.fromSeed(9).hex()).hasSize(40).matches("[0-9a-f]{40}");
    assertThat(NodeId.fromSeed(9)).isEqualTo(NodeId.fromSeed(9)).isNotEqualTo(NodeId.fromSeed(10));
    assertThatThrownBy(() -> NodeId.of("ABC")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NodeId.of("G".repeat(40))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NodeId.of("a".repeat(41))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void membersRejectBadPortsWeightsAndHosts() {
    assertThatThrownBy(() -> new Member(A, "h", 65536, 1)).hasMessageContaining("client port");
    assertThatThrownBy(() -> new Member(A, "h", 1, -1)).hasMessageContaining("bus port");
    assertThatThrownBy(() -> new Member(A, "h", 1, 1, 0)).hasMessageContaining("weight");
    assertThatThrownBy(() -> new Member(A, "h", 1, 1, Member.MAX_WEIGHT + 1)).hasMessageContaining("weight");
    assertThatThrownBy(() -> new Member(A, "x".repeat(Member.MAX_HOST_LENGTH + 1), 1, 1)).hasMessageContaining("host");
  }

  @Test
  void queriesAnswerPerSlotAndPerNode() {
    Topology t = threeNodes();
    assertThat(t.epoch()).isEqualTo(7);
    assertThat(t.primary(0)).isEqualTo(A);
    assertThat(t.replicas(0)).containsExactly(B);
    assertThat(t.owners(12000)).containsExactly(C, A);
    assertThat(t.slotsOf(A)).hasSize(5000).startsWith(0).endsWith(4999);
    assertThat(t.copiesOf(A)).hasSize(5000 + 6384);
    assertThat(t.primaryRanges(B)).containsExactly(new SlotInterval(5000, 9999));
    assertThat(t.replicaRanges(A)).containsExactly(new SlotInterval(10000, 16383));
    assertThat(t.slotRanges()).containsExactly(
        new SlotRange(0, 4999, A, List.of(B)), new SlotRange(5000, 9999, B, List.of(C)),
        new SlotRange(10000, 16383, C, List.of(A)));
    assertThat(t.role(42, C)).isEqualTo(SlotRole.IMPORTING);
    assertThat(t.role(42, A)).isEqualTo(SlotRole.PRIMARY);
    assertThat(t.role(42, B)).isEqualTo(SlotRole.REPLICA);
    assertThat(t.role(43, C)).isEqualTo(SlotRole.NONE);
    assertThat(t.migration(42)).isEqualTo(new Migration(42, A, C));
    assertThat(t.migrations()).containsExactly(new Migration(42, A, C), new Migration(5000, B, C));
    assertThat(t.member(C).weight()).isEqualTo(3);
  }

  @Test
  void encodeDecodeRoundTrips() {
    Topology t = threeNodes();
    byte[] bytes = t.encode();
    assertThat(bytes[0]).isEqualTo(Topology.ENCODING_VERSION);
    Topology back = Topology.decode(bytes);
    assertThat(back).isEqualTo(t).hasSameHashCodeAs(t);
    assertThat(back.encode()).isEqualTo(bytes);
    Topology empty = Topology.empty(2);
    assertThat(Topology.decode(empty.encode())).isEqualTo(empty);
  }

  @Test
  void decodeRejectsOtherVersionsTruncationAndTrailingBytes() {
    byte[] bytes = threeNodes().encode();
    byte[] wrongVersion = bytes.clone();
    wrongVersion[0] = 99;
    assertThatThrownBy(() -> Topology.decode(wrongVersion)).hasMessageContaining("version");
    assertThatThrownBy(() -> Topology.decode(Arrays.copyOf(bytes, bytes.length - 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Topology.decode(Arrays.copyOf(bytes, bytes.length + 1)))
        .hasMessageContaining("trailing");
    // Every single-byte corruption is either rejected or decodes to a valid topology.
    for (int i = 0; i < 200; i++) {
      byte[] bad = bytes.clone();
      bad[i] ^= 0x5A;
      try {
        Topology.decode(bad);
      } catch (IllegalArgumentException expected) {
        // fine
      }
    }
  }

  @Test
  void theConstructorEnforcesTheInvariants() {
    Topology.Builder dup = Topology.builder(1, 1, MEMBERS);
    dup.owners(3, A, List.of(A));
    assertThatThrownBy(dup::build).hasMessageContaining("twice");
    Topology.Builder stranger = Topology.builder(1, 1, MEMBERS);
    stranger.owners(3, NodeId.fromSeed(99), List.of());
    assertThatThrownBy(stranger::build).hasMessageContaining("not a member");
    Topology.Builder badMigration = Topology.builder(1, 1, MEMBERS);
    badMigration.owners(3, A, List.of(B));
    badMigration.migration(3, new Migration(3, C, B)); // C does not own slot 3
    assertThatThrownBy(badMigration::build).hasMessageContaining("migration");
    Topology.Builder tooMany = Topology.builder(1, 1, MEMBERS);
    assertThatThrownBy(() -> tooMany.owners(3, A, List.of(B, C))).hasMessageContaining("replicas");
    assertThatThrownBy(() -> Topology.builder(-1, 1, MEMBERS).build()).hasMessageContaining("epoch");
    assertThatThrownBy(() -> Topology.empty(Topology.MAX_REPLICAS + 1)).hasMessageContaining("replica count");
  }
}
