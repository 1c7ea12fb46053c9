package io.corvid.storage.policy;

import io.corvid.common.Clock;
import java.util.SplittableRandom;

/**
 * Least-frequently-used replacement with Redis's logarithmic, decaying counter, but with an exact
 * victim instead of Redis's sampled one.
 *
 * <h2>The counter (as Redis's {@code evict.c})</h2>
 * Each node has an 8-bit counter, 5 ({@link #LFU_INIT_VAL}) when inserted so a new key is not
 * evicted before it had a chance to be read again. On each access the counter grows by one with
 * probability {@code 1 / ((counter - 5) * lfu-log-factor + 1)} (always below 5), saturating at
 * 255: with factor 10 a counter of 255 takes about a million hits. Counters decay by one for every
 * {@code lfu-decay-time} minutes that pass; 0 disables decay.
 *
 * <h2>Decay without touching idle entries: the score</h2>
 * Time is cut into decay periods numbered by {@code epoch} (advanced by the clock). Instead of a
 * counter and a last-decrement time, a node stores one {@code score = counter + epochOfLastUpdate}.
 * Its effective counter now is {@code clamp(score - epoch, 0, 255)}: each elapsed period takes one
 * off, as Redis's {@code LFUDecrAndReturn} would at the next access, yet nothing is rewritten while
 * the node is idle. On access: {@code c = effective; c = logIncr(c); score = c + epoch}.
 *
 * <h2>The exact rule</h2>
 * The victim is the node with the smallest score; among equal scores, the least recently
 * accessed. Since {@code score - epoch} is the effective counter, this is "lowest effective
 * counter first, least recently used first among equals", with one refinement that only orders
 * nodes whose counter has already decayed to 0: the one that reached 0 longest ago goes first.
 * So an idle hot key loses one point per period and does leave once its count falls below the
 * working set's, which is what "yesterday's hot keys leave" asks.
 *
 * <h2>Structure</h2>
 * Buckets by score, each an LRU list ({@link NodeLinks}), in a ring of {@link #RING_SIZE} covering
 * scores {@code [base, base + RING_SIZE)}. Scores never exceed {@code epoch + 255}; when the epoch
 * advances so far that they could pass the ring's end, the lowest buckets are concatenated in
 * score order into the new lowest bucket (all their nodes have effective counter 0, and the order
 * by score then recency is preserved, so the rule stays exact). A node in a merged bucket keeps
 * its old score; its bucket is {@code max(score, base)}. Insert, access and remove are O(1);
 * victim is O(1) amortised (a scan from the lowest non-empty bucket hint).
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>every tracked node is in bucket {@code max(score.get(node), base)}
 *   <li>{@code base <= score} of every node not merged, and {@code epoch + 255 < base + RING_SIZE}
 *   <li>within a bucket, nodes are in order of last access (head = least recent)
 * </ul>
 *
 * <h2>Cost</h2> 12 bytes per node of capacity (prev, next, score) plus the ring.
 */
public final class LfuPolicy implements ReplacementPolicy {
  /** Counter of a new entry, as Redis's LFU_INIT_VAL. */
  public static final int LFU_INIT_VAL = 5;
  public static final int MAX_COUNTER = 255;
  public static final int DEFAULT_LOG_FACTOR = 10;
  public static final int DEFAULT_DECAY_MINUTES = 1;
  private static final int RING_SIZE = 1024;
  private static final long NANOS_PER_MINUTE = 60_000_000_000L;

  private final Clock clock;
  private final SplittableRandom random;
  private final NodeLinks links = new NodeLinks();
  private final NodeLinks.List[] ring = new NodeLinks.List[RING_SIZE];
  private final NodeLinks.List carry;
  private final IntArray score = new IntArray(0);
  private int size;
  private int logFactor;
  private int decayMinutes;
  private int epoch;
  private long epochStartNanos;
  private int base;
  private int lowestHint;

  public LfuPolicy(Clock clock) {
    this(clock, DEFAULT_LOG_FACTOR, DEFAULT_DECAY_MINUTES, 0x1F0L);
  }

  public LfuPolicy(Clock clock, int logFactor, int decayMinutes, long seed) {
    this.clock = clock;
    this.random = new SplittableRandom(seed);
    this.logFactor = logFactor;
    this.decayMinutes = decayMinutes;
    this.epochStartNanos = clock.nanoTime();
    for (int i = 0; i < RING_SIZE; i++) {
      ring[i] = new NodeLinks.List(links);
    }
    carry = new NodeLinks.List(links);
  }

  public void setLogFactor(int factor) {
    this.logFactor = factor;
  }

  /** Takes effect from now on; periods already elapsed keep their length. */
  public void setDecayMinutes(int minutes) {
    advanceEpoch();
    this.decayMinutes = minutes;
    this.epochStartNanos = clock.nanoTime();
  }

  @Override
  public void onInsert(int node, long keyHash, long weight) {
    ensureCapacity(node + 1);
    advanceEpoch();
    int s = LFU_INIT_VAL + epoch;
    score.set(node, s);
    bucket(s).addLast(node);
    lowestHint = Math.min(lowestHint, s);
    size++;
  }

  @Override
  public void onAccess(int node, long keyHash) {
    advanceEpoch();
    int old = score.get(node);
    bucket(old).remove(node);
    int s = logIncrement(counterOf(old)) + epoch;
    score.set(node, s);
    bucket(s).addLast(node);
    lowestHint = Math.min(lowestHint, s);
  }

  /** Sets a node's counter (RESTORE ... FREQ), as if it had just been accessed with that count. */
  public void setFrequency(int node, int counter) {
    advanceEpoch();
    bucket(score.get(node)).remove(node);
    int s = Math.max(0, Math.min(MAX_COUNTER, counter)) + epoch;
    score.set(node, s);
    bucket(s).addLast(node);
    lowestHint = Math.min(lowestHint, s);
  }

  @Override
  public void onUpdate(int node, long keyHash, long newWeight) {
    onAccess(node, keyHash);
  }

  @Override
  public void onRemove(int node) {
    bucket(score.get(node)).remove(node);
    size--;
  }

  @Override
  public void relabel(int from, int to) {
    int s = score.get(from);
    bucket(s).relabel(from, to);
    score.set(to, s);
  }

  @Override
  public void truncateCapacity(int nodes) {
    links.truncate(nodes);
    score.truncate(nodes);
  }

  @Override
  public int victim() {
    advanceEpoch();
    if (size == 0) {
      return -1;
    }
    int from = Math.max(lowestHint, base);
    for (int s = from; s < base + RING_SIZE; s++) {
      NodeLinks.List list = ring[Math.floorMod(s, RING_SIZE)];
      if (!list.isEmpty()) {
        lowestHint = s;
        return list.head;
      }
    }
    throw new IllegalStateException("size " + size + " but every bucket is empty");
  }

  /** The effective (decayed) counter of a node, as OBJECT FREQ reports. */
  public int frequency(int node) {
    advanceEpoch();
    return counterOf(score.get(node));
  }

  @Override
  public void setMaximum(long maximum) {}

  @Override
  public int size() {
    return size;
  }

  @Override
  public String name() {
    return "lfu";
  }

  @Override
  public void ensureCapacity(int nodes) {
    links.ensureCapacity(nodes);
    score.ensureCapacity(nodes);
  }

  @Override
  public long memoryBytes() {
    return links.memoryBytes() + score.memoryBytes() + RING_SIZE * 32L;
  }

  private int counterOf(int s) {
    return Math.clamp((long) s - epoch, 0, MAX_COUNTER);
  }

  /** Redis's LFULogIncr. */
  private int logIncrement(int counter) {
    if (counter == MAX_COUNTER) {
      return counter;
    }
    int baseValue = Math.max(0, counter - LFU_INIT_VAL);
    double p = 1.0 / (baseValue * (double) logFactor + 1);
    return random.nextDouble() < p ? counter + 1 : counter;
  }

  private NodeLinks.List bucket(int s) {
    return ring[Math.floorMod(Math.max(s, base), RING_SIZE)];
  }

  private void advanceEpoch() {
    if (decayMinutes <= 0) {
      return;
    }
    long period = decayMinutes * NANOS_PER_MINUTE;
    long elapsed = clock.nanoTime() - epochStartNanos;
    if (elapsed < period) {
      return;
    }
    long periods = elapsed / period;
    epochStartNanos += periods * period;
    epoch = (int) Math.min(Integer.MAX_VALUE / 2, epoch + periods);
    slideRing();
  }

  /** Keeps {@code epoch + 255 < base + RING_SIZE} by merging the lowest buckets, in score order. */
  private void slideRing() {
    int newBase = epoch + MAX_COUNTER + 1 - RING_SIZE;
    if (newBase <= base) {
      return;
    }
    int last = (int) Math.min(newBase, (long) base + RING_SIZE - 1);
    for (int s = base; s <= last; s++) {
      carry.appendAll(ring[Math.floorMod(s, RING_SIZE)]);
    }
    base = newBase;
    ring[Math.floorMod(newBase, RING_SIZE)].appendAll(carry);
  }
}
