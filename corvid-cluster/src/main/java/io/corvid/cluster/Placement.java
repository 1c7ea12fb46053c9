package io.corvid.cluster;

import static io.corvid.common.SlotHash.SLOT_COUNT;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides which nodes hold each slot: weighted rendezvous hashing, then exact balancing, starting
 * from the previous topology so that a change of membership moves few copies.
 *
 * <h2>The algorithm</h2>
 * With n members and R configured replicas each slot gets k = min(R, n - 1) + 1 copies on
 * distinct nodes. Each node's quota of copies (and, separately, of primaries) is its weighted
 * share of 16384 * k (of 16384), rounded by largest remainder, so quotas differ by at most one
 * between equal-weight nodes.
 * <ol>
 *   <li><b>Keep</b>: every slot keeps the previous owners that are still members (if R shrank,
 *       those with the highest rendezvous score).
 *   <li><b>Fill</b>: a slot short of copies takes the highest-scoring member that is not already
 *       an owner and is under its quota (else the highest-scoring non-owner; step 3 repairs it).
 *   <li><b>Balance copies</b>: each node under its quota takes copies, in the order of its own
 *       rendezvous score over the slots, from owners that are over their quota. A node that
 *       joins therefore takes exactly its quota, from the slots where rendezvous hashing would
 *       have put it, and nothing else moves; a node that leaves gives its copies to the nodes
 *       short of their quota. If no direct donor exists (possible with uneven weights), a
 *       shortest chain of moves through other nodes is used.
 *   <li><b>Primaries</b>: the previous primary stays if it still owns the slot; if its copy moved
 *       to another node that node inherits the role; otherwise an owner that already had the
 *       data (a previous replica) is promoted before a new one. Then primaries are balanced to
 *       their quotas by moving the role between owners of a slot (a promotion, no data moves),
 *       along shortest chains.
 * </ol>
 *
 * <p>Rendezvous score of node i for slot s: {@code w_i / -ln(u)} with u a uniform hash of
 * (node id, slot) in (0, 1) [Schindelhauer and Schomaker, "Weighted distributed hash tables",
 * 2005]; with equal weights this orders like u itself, which is what is used then. StrictMath
 * keeps it bit-identical on every JVM, so every node computes the same placement.
 *
 * <p>Deterministic: the result depends only on the arguments (members are taken in id order).
 */
public final class Placement {
  /**
   * Slots are hashed in contiguous blocks: every slot of a block has the block's rendezvous
   * score, so a node's slots form few ranges (CLUSTER SLOTS stays a few KB for small clusters,
   * where slot-by-slot hashing gave ~16000 ranges, ~780 KB with 3 nodes). Exact balancing still
   * moves single slots, at block edges: a node takes a block's slots from one end (see
   * {@link Run#slotsByScoreWithout}), so a partly taken block adds one range.
   *
   * <p>The block size shrinks as the cluster grows: a node's primary slots must have their
   * replicas spread over all the other nodes in pieces fine enough that, when it dies, the
   * promoted replicas are balanced (else role balancing has to move many more primaries). So
   * there are about {@link #BLOCKS_PER_PAIR} blocks per ordered pair of nodes: blockSize(n) is
   * the largest power of two at most 16384 / (8 n (n - 1)), between 1 and
   * {@link #MAX_BLOCK_SIZE}: 256 for n = 1..3 (64 blocks), 128 for 4, 64 for 5..6, 16 for 9..11,
   * 8 for 12..16, 1 from 33 nodes on (one slot per block, as with no blocks). Fewer blocks per
   * pair (4) broke the 1.25x bound on primaries changing hands when one of 4 nodes leaves.
   */
  static int blockSize(int n) {
    long want = (long) SLOT_COUNT / ((long) BLOCKS_PER_PAIR * Math.max(1, n) * Math.max(1, n - 1));
    int size = 1;
    while (size * 2L <= Math.min(want, MAX_BLOCK_SIZE)) {
      size *= 2;
    }
    return size;
  }

  static final int BLOCKS_PER_PAIR = 8;
  static final int MAX_BLOCK_SIZE = 256;

  /** Up to this many members the scores are computed once into a table (blocks * n doubles). */
  static final int MAX_MEMBERS_FOR_SCORE_TABLE = 1024;

  private Placement() {}

  /**
   * The placement for the given members and replica count, as a topology of the given epoch with
   * no migrations. {@code previous} (may be null or empty) is the layout to stay close to; its
   * members that are not in {@code members} are treated as gone.
   */
  public static Topology place(long epoch, List<Member> members, int replicaCount, Topology previous) {
    return new Run(members, replicaCount, previous).run(epoch);
  }

  /** Each member's share of {@code total}, proportional to weight, none above {@code cap}. */
  static long[] quotas(int[] weights, long total, long cap) {
    int n = weights.length;
    long[] q = new long[n];
    boolean[] capped = new boolean[n];
    while (true) {
      long rest = total;
      long weightSum = 0;
      for (int i = 0; i < n; i++) {
        if (capped[i]) {
          rest -= cap;
        } else {
          weightSum += weights[i];
        }
      }
      if (weightSum == 0) {
        Arrays.fill(q, cap);
        return q;
      }
      long given = 0;
      long[] remainder = new long[n];
      for (int i = 0; i < n; i++) {
        if (capped[i]) {
          q[i] = cap;
        } else {
          q[i] = rest * weights[i] / weightSum;
          remainder[i] = rest * weights[i] % weightSum;
          given += q[i];
        }
      }
      long left = rest - given;
      while (left > 0) {
        int best = -1;
        for (int i = 0; i < n; i++) {
          if (!capped[i] && (best < 0 || remainder[i] > remainder[best])) {
            best = i;
          }
        }
        q[best]++;
        remainder[best] = -1;
        left--;
      }
      boolean again = false;
      for (int i = 0; i < n; i++) {
        if (!capped[i] && q[i] > cap) {
          capped[i] = true;
          again = true;
        }
      }
      if (!again) {
        return q;
      }
    }
  }

  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static final class Run {
    final List<Member> members;
    final int n;
    final int replicaCount;
    final int k;
    final Topology previous;
    final long[] nodeHash;
    final int[] weights;
    final boolean equalWeights;
    final int blockSize;
    final int blockCount;
    /** scores[b * n + i] for block b, precomputed (256 * n doubles). */
    double[] scores;
    /** holders[s * k + p]: member index of copy p of slot s, or -1. */
    int[] holders;
    int[] count;
    int[] load;
    long[] copyQuota;
    long[] primaryQuota;
    int[] trackedPrimaries;
    /** The member index that carries the slot's primary role so far, or -1. */
    int[] primaryTrack;
    /** Whether member i held slot s before (bit per holder position). */
    boolean[] hadData;

    Run(List<Member> in, int replicaCount, Topology previous) {
      List<Member> sorted = new ArrayList<>(in);
      sorted.sort((a, b) -> a.id().compareTo(b.id()));
      this.members = sorted;
      this.n = sorted.size();
      this.replicaCount = replicaCount;
      this.k = n == 0 ? 0 : Math.min(replicaCount, n - 1) + 1;
      this.previous = previous;
      this.nodeHash = new long[n];
      this.weights = new int[n];
      boolean eq = true;
      for (int i = 0; i < n; i++) {
        nodeHash[i] = mix64(sorted.get(i).id().hash64());
        weights[i] = sorted.get(i).weight();
        eq &= weights[i] == weights[0];
      }
      this.equalWeights = eq;
      this.blockSize = blockSize(n);
      this.blockCount = SLOT_COUNT / blockSize;
      if (n > 0 && n <= MAX_MEMBERS_FOR_SCORE_TABLE) {
        scores = new double[blockCount * n];
        for (int b = 0; b < blockCount; b++) {
          for (int i = 0; i < n; i++) {
            scores[b * n + i] = computeScore(i, b);
          }
        }
      }
    }

    /** Higher is better; positive. Comparable across nodes for one slot; equal within a block. */
    double score(int i, int s) {
      int b = s / blockSize;
      if (scores != null) {
        return scores[b * n + i];
      }
      return computeScore(i, b);
    }

    /** The rendezvous score of node i for block b. */
    double computeScore(int i, int b) {
      long h = mix64(nodeHash[i] ^ (b * 0x9e3779b97f4a7c15L));
      if (equalWeights) {
        return (double) ((h >>> 11) + 1);
      }
      double u = ((h >>> 11) + 1) * 0x1.0p-53; // (0, 1]
      if (u >= 1.0) {
        u = 0x1.fffffffffffffp-1;
      }
      return weights[i] / -StrictMath.log(u);
    }

    boolean holds(int s, int i) {
      int base = s * k;
      for (int p = 0; p < count[s]; p++) {
        if (holders[base + p] == i) {
          return true;
        }
      }
      return false;
    }

    Topology run(long epoch) {
      if (n == 0) {
        return Topology.builder(epoch, replicaCount, members).build();
      }
      holders = new int[SLOT_COUNT * k];
      Arrays.fill(holders, -1);
      count = new int[SLOT_COUNT];
      load = new int[n];
      primaryTrack = new int[SLOT_COUNT];
      Arrays.fill(primaryTrack, -1);
      hadData = new boolean[SLOT_COUNT * k];
      copyQuota = quotas(weights, (long) SLOT_COUNT * k, SLOT_COUNT);
      primaryQuota = quotas(weights, SLOT_COUNT, SLOT_COUNT);
      trackedPrimaries = new int[n];

      keepPrevious();
      fill();
      balanceCopies();
      int[] primary = choosePrimaries(primaryQuota);

      // Straight to member indexes (members are sorted by id, as Topology numbers them).
      int stride = replicaCount + 1;
      short[] owners = new short[SLOT_COUNT * stride];
      Arrays.fill(owners, (short) -1);
      for (int s = 0; s < SLOT_COUNT; s++) {
        int base = s * k;
        int out = s * stride;
        owners[out++] = (short) primary[s];
        for (int p = 0; p < k; p++) {
          if (holders[base + p] != primary[s]) {
            owners[out++] = (short) holders[base + p];
          }
        }
      }
      short[] noMigration = new short[SLOT_COUNT];
      Arrays.fill(noMigration, (short) -1);
      return Topology.ofIndexes(epoch, replicaCount, members, owners, noMigration, noMigration.clone());
    }

    void keepPrevious() {
      if (previous == null || previous.isEmpty()) {
        return;
      }
      Map<NodeId, Integer> index = new HashMap<>();
      for (int i = 0; i < n; i++) {
        index.put(members.get(i).id(), i);
      }
      int[] kept = new int[previous.replicaCount() + 1];
      int[] map = new int[previous.members().size()];
      for (int x = 0; x < map.length; x++) {
        Integer i = index.get(previous.members().get(x).id());
        map[x] = i == null ? -1 : i;
      }
      int prevStride = previous.replicaCount() + 1;
      for (int s = 0; s < SLOT_COUNT; s++) {
        int c = 0;
        int prevPrimaryIndex = previous.ownerIndex(s, 0);
        int keptPrimary = prevPrimaryIndex < 0 ? -1 : map[prevPrimaryIndex];
        for (int p = 0; p < prevStride; p++) {
          int x = previous.ownerIndex(s, p);
          if (x >= 0 && map[x] >= 0) {
            kept[c++] = map[x];
          }
        }
        if (c > k) {
          // Keep the primary (kept[0] if it was the primary), then the best-scoring others.
          int first = keptPrimary >= 0 ? 1 : 0;
          final int slot = s;
          Integer[] rest = new Integer[c - first];
          for (int p = first; p < c; p++) {
            rest[p - first] = kept[p];
          }
          Arrays.sort(rest, (x, y) -> Double.compare(score(y, slot), score(x, slot)));
          for (int p = first; p < k; p++) {
            kept[p] = rest[p - first];
          }
          c = k;
        }
        int base = s * k;
        for (int p = 0; p < c; p++) {
          holders[base + p] = kept[p];
          hadData[base + p] = true;
          load[kept[p]]++;
        }
        count[s] = c;
        if (keptPrimary >= 0) {
          primaryTrack[s] = keptPrimary;
          trackedPrimaries[keptPrimary]++;
        }
      }
    }

    void fill() {
      for (int s = 0; s < SLOT_COUNT; s++) {
        while (count[s] < k) {
          int best = -1;
          int bestAny = -1;
          for (int i = 0; i < n; i++) {
            if (holds(s, i)) {
              continue;
            }
            if (bestAny < 0 || score(i, s) > score(bestAny, s)) {
              bestAny = i;
            }
            if (load[i] < copyQuota[i] && (best < 0 || score(i, s) > score(best, s))) {
              best = i;
            }
          }
          int chosen = best >= 0 ? best : bestAny;
          holders[s * k + count[s]] = chosen;
          count[s]++;
          load[chosen]++;
        }
      }
    }

    void replace(int s, int from, int to) {
      int base = s * k;
      for (int p = 0; p < k; p++) {
        if (holders[base + p] == from) {
          holders[base + p] = to;
          hadData[base + p] = false;
          load[from]--;
          load[to]++;
          if (primaryTrack[s] == from) {
            primaryTrack[s] = to;
            trackedPrimaries[from]--;
            trackedPrimaries[to]++;
          }
          return;
        }
      }
      throw new IllegalStateException("slot " + s + " has no copy on " + from);
    }

    void balanceCopies() {
      // Strict first: a node short of primaries takes only primary copies whose primary has more
      // than its share of roles, a node with enough takes only replica copies; so the primary
      // roles end up balanced too with no extra promotions. Then relaxed, for what is left.
      for (int strict = 1; strict >= 0; strict--) {
        boolean progress = true;
        while (progress) {
          progress = false;
          for (int j = 0; j < n; j++) {
            if (load[j] >= copyQuota[j]) {
              continue;
            }
            int[] order = slotsByScoreWithout(j);
            for (int s : order) {
              if (load[j] >= copyQuota[j]) {
                break;
              }
              int donor = chooseDonor(s, j, strict == 1);
              if (donor >= 0) {
                replace(s, donor, j);
                progress = true;
              }
            }
          }
        }
      }
      // Chains through other nodes, for the rare case where no over-quota node holds a slot the
      // under-quota node lacks (uneven weights).
      while (true) {
        int over = -1;
        for (int i = 0; i < n && over < 0; i++) {
          if (load[i] > copyQuota[i]) {
            over = i;
          }
        }
        if (over < 0 || !copyChain(over)) {
          return;
        }
      }
    }

    /** The owner of slot s that gives its copy to j, or -1. */
    int chooseDonor(int s, int j, boolean strict) {
      int donor = -1;
      int base = s * k;
      // While j is short of primaries, take primary copies first (the role travels with the
      // copy), afterwards replica copies: that keeps later role balancing small.
      boolean wantPrimary = trackedPrimaries[j] < primaryQuota[j];
      int withData = 0;
      for (int p = 0; p < count[s]; p++) {
        if (hadData[base + p]) {
          withData++;
        }
      }
      for (int p = 0; p < k; p++) {
        int i = holders[base + p];
        if (load[i] <= copyQuota[i]) {
          continue;
        }
        if (primaryTrack[s] < 0 && hadData[base + p] && withData == 1 && k > 1) {
          // The slot lost its primary: its last copy with data stays to be promoted.
          continue;
        }
        boolean isPrimary = primaryTrack[s] == i;
        if (strict && (wantPrimary ? !isPrimary || trackedPrimaries[i] <= primaryQuota[i] : isPrimary)) {
          continue;
        }
        if (donor < 0) {
          donor = i;
          continue;
        }
        boolean iFits = isPrimary == wantPrimary;
        boolean dFits = (primaryTrack[s] == donor) == wantPrimary;
        if (iFits != dFits ? iFits : score(i, s) < score(donor, s)) {
          donor = i;
        }
      }
      return donor;
    }

    int primaryLoadOf(int j) {
      return trackedPrimaries[j];
    }

    int[] slotsByScoreWithout(int j) {
      // Sort (score, slot) pairs packed in one long: a positive double's bits order like the
      // double; the low 14 bits (below the score's useful precision) carry the slot.
      long[] keyed = new long[SLOT_COUNT];
      int c = 0;
      for (int s = 0; s < SLOT_COUNT; s++) {
        if (!holds(s, j)) {
          keyed[c++] = (Double.doubleToRawLongBits(score(j, s)) & ~(long) (SLOT_COUNT - 1)) | s;
        }
      }
      Arrays.sort(keyed, 0, c);
      int[] out = new int[c];
      for (int x = 0; x < c; x++) {
        out[x] = (int) (keyed[c - 1 - x] & (SLOT_COUNT - 1));
      }
      return out;
    }

    /** Moves one copy along a shortest chain from an over-quota node to an under-quota one. */
    boolean copyChain(int over) {
      // via[u][v] = a slot that u holds and v does not.
      int[][] via = new int[n][n];
      for (int[] row : via) {
        Arrays.fill(row, -1);
      }
      for (int s = 0; s < SLOT_COUNT; s++) {
        int base = s * k;
        for (int p = 0; p < k; p++) {
          int u = holders[base + p];
          for (int v = 0; v < n; v++) {
            if (via[u][v] < 0 && !holds(s, v)) {
              via[u][v] = s;
            }
          }
        }
      }
      int[] parent = new int[n];
      Arrays.fill(parent, -2);
      parent[over] = -1;
      ArrayDeque<Integer> queue = new ArrayDeque<>();
      queue.add(over);
      while (!queue.isEmpty()) {
        int u = queue.poll();
        for (int v = 0; v < n; v++) {
          if (parent[v] == -2 && via[u][v] >= 0) {
            parent[v] = u;
            if (load[v] < copyQuota[v]) {
              // Apply from the end of the chain backwards so each slot choice stays valid.
              int cur = v;
              while (parent[cur] != -1) {
                int from = parent[cur];
                int s = firstSlotHeldByNotBy(from, cur);
                replace(s, from, cur);
                cur = from;
              }
              return true;
            }
            queue.add(v);
          }
        }
      }
      return false;
    }

    int firstSlotHeldByNotBy(int u, int v) {
      for (int s = 0; s < SLOT_COUNT; s++) {
        if (holds(s, u) && !holds(s, v)) {
          return s;
        }
      }
      throw new IllegalStateException("no slot to move from " + u + " to " + v);
    }

    int[] choosePrimaries(long[] quota) {
      int[] primary = new int[SLOT_COUNT];
      int[] primaryLoad = new int[n];
      for (int s = 0; s < SLOT_COUNT; s++) {
        int p = primaryTrack[s];
        if (p < 0 || !holds(s, p)) {
          p = -1;
          boolean pHad = false;
          int base = s * k;
          for (int q = 0; q < k; q++) {
            int i = holders[base + q];
            boolean had = hadData[base + q];
            boolean under = primaryLoad[i] < quota[i];
            if (p < 0) {
              p = i;
              pHad = had;
              continue;
            }
            boolean pUnder = primaryLoad[p] < quota[p];
            // Prefer a node that already has the data, then one under quota, then the score.
            if (had != pHad ? had : under != pUnder ? under : score(i, s) > score(p, s)) {
              p = i;
              pHad = had;
            }
          }
        }
        primary[s] = p;
        primaryLoad[p]++;
      }
      // Direct moves first (one pass): an over-quota primary hands the role to an owner of the
      // same slot that is under quota, preferring one that already had the data.
      for (int pass = 0; pass < 2; pass++) {
        for (int s = 0; s < SLOT_COUNT; s++) {
          int u = primary[s];
          if (primaryLoad[u] <= quota[u]) {
            continue;
          }
          int base = s * k;
          for (int q = 0; q < k; q++) {
            int v = holders[base + q];
            if (v != u && primaryLoad[v] < quota[v] && (pass == 1 || hadData[base + q])) {
              primary[s] = v;
              primaryLoad[u]--;
              primaryLoad[v]++;
              break;
            }
          }
        }
      }
      // Then the rest along shortest chains of slots shared by two owners.
      while (true) {
        int over = -1;
        for (int i = 0; i < n && over < 0; i++) {
          if (primaryLoad[i] > quota[i]) {
            over = i;
          }
        }
        if (over < 0 || (!primaryChain(over, primary, primaryLoad, quota, true)
            && !primaryChain(over, primary, primaryLoad, quota, false))) {
          return primary;
        }
      }
    }

    /** With {@code onlyWithData}, the role moves only to owners that already had the slot. */
    boolean primaryChain(int over, int[] primary, int[] primaryLoad, long[] quota, boolean onlyWithData) {
      // via[u * n + v] = a slot with primary u where v is another owner.
      int[] via = new int[n * n];
      Arrays.fill(via, -1);
      for (int s = 0; s < SLOT_COUNT; s++) {
        int u = primary[s];
        int base = s * k;
        for (int q = 0; q < k; q++) {
          int v = holders[base + q];
          if (v != u && via[u * n + v] < 0 && (!onlyWithData || hadData[base + q])) {
            via[u * n + v] = s;
          }
        }
      }
      int[] parent = new int[n];
      Arrays.fill(parent, -2);
      parent[over] = -1;
      ArrayDeque<Integer> queue = new ArrayDeque<>();
      queue.add(over);
      while (!queue.isEmpty()) {
        int u = queue.poll();
        for (int v = 0; v < n; v++) {
          if (parent[v] == -2 && via[u * n + v] >= 0) {
            parent[v] = u;
            if (primaryLoad[v] < quota[v]) {
              int cur = v;
              while (parent[cur] != -1) {
                int from = parent[cur];
                int s = via[from * n + cur];
                primary[s] = cur;
                primaryLoad[from]--;
                primaryLoad[cur]++;
                cur = from;
              }
              return true;
            }
            queue.add(v);
          }
        }
      }
      return false;
    }
  }
}
