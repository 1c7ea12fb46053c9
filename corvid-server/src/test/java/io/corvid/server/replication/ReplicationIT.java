package io.corvid.server.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.common.SlotHash;
import io.corvid.server.testing.ClusterProcesses;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisMovedDataException;

/**
 * Replication between real server processes: two nodes with one replica per slot, so each node
 * is the primary of about half the slots and the replica of the others.
 */
class ReplicationIT {
  static final Duration SYNCED_WITHIN = Duration.ofSeconds(60);
  ClusterProcesses cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A key in slot {@code slot} with a suffix: {tag}suffix where tag hashes to the slot. */
  static String keyIn(int slot, String suffix) {
    return "{" + TAGS[slot] + "}" + suffix;
  }

  static final String[] TAGS = tags();

  private static String[] tags() {
    String[] t = new String[SlotHash.SLOT_COUNT];
    int found = 0;
    for (int i = 0; found < SlotHash.SLOT_COUNT; i++) {
      String k = "t" + i;
      int s = SlotHash.slot(k.getBytes(StandardCharsets.UTF_8));
      if (t[s] == null) {
        t[s] = k;
        found++;
      }
    }
    return t;
  }

  static Map<String, String> info(Jedis j) {
    Map<String, String> m = new HashMap<>();
    for (String line : j.info("replication").split("\r\n")) {
      int c = line.indexOf(':');
      if (c > 0) {
        m.put(line.substring(0, c), line.substring(c + 1));
      }
    }
    return m;
  }

  static void awaitNoSyncingSlots(ClusterProcesses cluster) {
    ClusterProcesses.await("every followed slot is live on every node", SYNCED_WITHIN, () -> {
      for (int i = 0; i < cluster.size(); i++) {
        if (!cluster.isAlive(i)) {
          continue;
        }
        try (Jedis j = cluster.jedis(i)) {
          Map<String, String> m = info(j);
          if (!"0".equals(m.get("repl_syncing_slots")) || "0".equals(m.get("repl_followed_slots"))) {
            return false;
          }
        }
      }
      return true;
    });
  }

  @Test
  void aWriteOnThePrimaryIsOnTheReplicaOnceWaitSaysSo() {
    cluster = ClusterProcesses.start(2, "--cluster-replicas", "1");
    awaitNoSyncingSlots(cluster);
    int[] primary = cluster.primaryPorts(0);
    int p = primary[100] == cluster.port(0) ? 0 : 1;
    int r = 1 - p;
    List<Integer> slots = new ArrayList<>();
    for (int s = 0; s < SlotHash.SLOT_COUNT && slots.size() < 50; s++) {
      if (primary[s] == cluster.port(p)) {
        slots.add(s);
      }
    }
    try (Jedis writer = cluster.jedis(p); Jedis reader = cluster.jedis(r)) {
      for (int s : slots) {
        writer.set(keyIn(s, ":str"), "v" + s);
        writer.hset(keyIn(s, ":hash"), Map.of("f1", "a" + s, "f2", "b"));
        writer.psetex(keyIn(s, ":ttl"), 600_000, "t");
        writer.set(keyIn(s, ":gone"), "x");
        writer.del(keyIn(s, ":gone"));
      }
      assertThat(writer.waitReplicas(1, 30_000)).isEqualTo(1);
      // WAIT said the replica has every write: no waiting on the replica side.
      reader.readonly();
      for (int s : slots) {
        assertThat(reader.get(keyIn(s, ":str"))).isEqualTo("v" + s);
        assertThat(reader.hgetAll(keyIn(s, ":hash"))).isEqualTo(Map.of("f1", "a" + s, "f2", "b"));
        assertThat(reader.pttl(keyIn(s, ":ttl"))).isBetween(1L, 600_000L);
        assertThat(reader.exists(keyIn(s, ":gone"))).isFalse();
      }
      // A replica refuses writes with MOVED to the primary, even after READONLY.
      int s = slots.get(0);
      assertThatThrownBy(() -> reader.set(keyIn(s, ":str"), "nope"))
          .isInstanceOfSatisfying(JedisMovedDataException.class,
              e -> assertThat(e.getTargetNode().getPort()).isEqualTo(cluster.port(p)));
      // Overwrites and deletes follow too.
      writer.set(keyIn(s, ":str"), "second");
      writer.del(keyIn(s, ":hash"));
      assertThat(writer.waitReplicas(1, 30_000)).isEqualTo(1);
      assertThat(reader.get(keyIn(s, ":str"))).isEqualTo("second");
      assertThat(reader.exists(keyIn(s, ":hash"))).isFalse();
      // WAIT for more replicas than there are returns at the timeout with the count reached.
      long t0 = System.nanoTime();
      assertThat(writer.waitReplicas(2, 300)).isEqualTo(1);
      assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(250);
      Map<String, String> primaryInfo = info(writer);
      assertThat(primaryInfo.get("connected_slaves")).isEqualTo("1");
      assertThat(Long.parseLong(primaryInfo.get("repl_backlog_entries"))).isGreaterThan(0);
      assertThat(Long.parseLong(info(reader).get("repl_entries_applied"))).isGreaterThanOrEqualTo(5L * slots.size());
    }
  }

  @Test
  void waitArgumentsAreCheckedAsRedisDoes() {
    cluster = ClusterProcesses.start(1, "--cluster-replicas", "1");
    try (Jedis j = cluster.jedis(0)) {
      assertThatThrownBy(() -> j.sendCommand(redis.clients.jedis.Protocol.Command.WAIT, "1", "-1"))
          .hasMessageContaining("timeout is negative");
      assertThatThrownBy(() -> j.sendCommand(redis.clients.jedis.Protocol.Command.WAIT, "x", "0"))
          .hasMessageContaining("value is not an integer or out of range");
      assertThatThrownBy(() -> j.sendCommand(redis.clients.jedis.Protocol.Command.WAIT, "1", "1.5"))
          .hasMessageContaining("timeout is not an integer or out of range");
      // One node: nobody to replicate to; WAIT 0 answers at once, WAIT 1 at its timeout.
      assertThat(j.waitReplicas(0, 0)).isEqualTo(0);
      assertThat(j.waitReplicas(1, 100)).isEqualTo(0);
    }
  }

  static boolean syncedOn(Jedis j) {
    Map<String, String> m = info(j);
    return "0".equals(m.get("repl_syncing_slots")) && !"0".equals(m.get("repl_followed_slots"));
  }

  @Test
  void aJoiningNodeGetsEveryKeyOfTheSlotsItTakes() {
    cluster = ClusterProcesses.start(1, "--cluster-replicas", "1");
    int keys = 20_000;
    try (Jedis j = cluster.jedis(0)) {
      Pipeline pl = j.pipelined();
      for (int i = 0; i < keys; i++) {
        int s = i % SlotHash.SLOT_COUNT;
        pl.set(keyIn(s, ":k" + i), "value-" + i);
      }
      pl.sync();
    }
    int b = cluster.addNode();
    cluster.awaitAgreement(2);
    try (Jedis j0 = cluster.jedis(0); Jedis jb = cluster.jedis(b)) {
      ClusterProcesses.await("the new node follows its replica slots live", SYNCED_WITHIN, () -> syncedOn(jb));
      // Two nodes, one replica per slot: the new node holds every slot, as primary (moved to it
      // by migration) or as replica (copied by snapshot). READONLY reads both kinds here.
      jb.readonly();
      int[] primary = cluster.primaryPorts(0);
      int asPrimary = 0;
      for (int i = 0; i < keys; i++) {
        int s = i % SlotHash.SLOT_COUNT;
        assertThat(jb.get(keyIn(s, ":k" + i))).as("key %d in slot %d", i, s).isEqualTo("value-" + i);
        asPrimary += primary[s] == cluster.port(b) ? 1 : 0;
      }
      assertThat(asPrimary).as("keys in slots the new node is primary of").isGreaterThan(keys / 4);
      assertThat(Long.parseLong(info(j0).get("repl_snapshots_sent"))).isGreaterThan(0);
      assertThat(Long.parseLong(info(jb).get("repl_snapshots_received"))).isGreaterThan(0);
    }
  }

  @Test
  void aReplicaThatFellTooFarBehindResyncsFromASnapshot() throws Exception {
    // A long node timeout, so the stopped replica stays in the view; a small backlog.
    cluster = ClusterProcesses.start(2, "--cluster-replicas", "1", "--cluster-node-timeout", "120000",
        "--cluster-suspect-timeout", "60000", "--repl-backlog-size", "64kb");
    awaitNoSyncingSlots(cluster);
    int[] primary = cluster.primaryPorts(0);
    int p = primary[0] == cluster.port(0) ? 0 : 1;
    int r = 1 - p;
    int slot = 0;
    String value = "x".repeat(2000);
    long snapshotsBefore;
    try (Jedis writer = cluster.jedis(p)) {
      writer.set(keyIn(slot, ":first"), "1");
      assertThat(writer.waitReplicas(1, 30_000)).isEqualTo(1);
      snapshotsBefore = Long.parseLong(info(writer).get("repl_snapshots_sent"));
      signal("STOP", cluster.node(r).pid());
      try {
        // 40 MB into one slot: more than the sockets buffer, far more than the 64 KB backlog.
        Pipeline pl = writer.pipelined();
        for (int i = 0; i < 20_000; i++) {
          pl.set(keyIn(slot, ":k" + i), value + i);
          if (i % 1000 == 999) {
            pl.sync();
          }
        }
        pl.sync();
        writer.del(keyIn(slot, ":first"));
        long trimmed = Long.parseLong(info(writer).get("repl_backlog_trimmed_entries"));
        assertThat(trimmed).isGreaterThan(1000);
      } finally {
        signal("CONT", cluster.node(r).pid());
      }
      assertThat(writer.waitReplicas(1, 120_000)).isEqualTo(1);
      assertThat(Long.parseLong(info(writer).get("repl_snapshots_sent"))).isGreaterThan(snapshotsBefore);
    }
    try (Jedis reader = cluster.jedis(r)) {
      reader.readonly();
      assertThat(reader.clusterCountKeysInSlot(slot)).as(cluster.outputs()).isEqualTo(20_000L);
      assertThat(reader.exists(keyIn(slot, ":first"))).isFalse();
      for (int i = 0; i < 20_000; i += 97) {
        assertThat(reader.get(keyIn(slot, ":k" + i))).isEqualTo(value + i);
      }
      assertThat(reader.get(keyIn(slot, ":k19999"))).isEqualTo(value + 19999);
    }
  }

  static void signal(String sig, long pid) throws Exception {
    Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
    assertThat(k.waitFor()).isZero();
  }
}
