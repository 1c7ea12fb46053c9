package io.corvid.storage.policy;

/**
 * Decides which entry leaves when the cache is full. The keyspace and the trace simulator
 * ({@code bin/corvid simulate}) drive the same implementations, so the hit ratios the simulator
 * prints are the server's.
 *
 * <p>Entries are named by dense {@code int} node ids chosen by the caller (0 ≤ node < some
 * capacity the caller grows); the policy keeps its own per-node state (links, counters) in
 * arrays indexed by node. {@code keyHash} is a well-mixed 64-bit hash of the key, used by
 * frequency sketches. Weights are bytes in the keyspace and 1 in entry-count simulations.
 *
 * <p>Protocol: the caller stores an entry, calls {@link #onInsert}, and then, while the total
 * weight exceeds its budget, removes {@link #victim()} (calling {@link #onRemove} for it). For an
 * admission policy such as W-TinyLFU the victim may be the entry just inserted.
 *
 * <p>Not thread-safe; the keyspace serialises calls.
 */
public interface ReplacementPolicy {

  /** A new entry is stored. */
  void onInsert(int node, long keyHash, long weight);

  /** An entry was read or written (a hit). */
  void onAccess(int node, long keyHash);

  /** An entry's weight changed (its value was replaced). Counts as an access. */
  void onUpdate(int node, long keyHash, long newWeight);

  /** An entry left for any reason (delete, expiry, eviction). */
  void onRemove(int node);

  /** The node to evict next, or -1 when the policy tracks no entry. Does not remove it. */
  int victim();

  /** The budget the policy sizes its regions by (bytes in the keyspace, entries in simulations). */
  void setMaximum(long maximum);

  /** Number of entries tracked. */
  int size();

  /** Human-readable name, as the simulator prints it. */
  String name();

  /**
   * Makes node ids {@code < nodes} usable without growing on the next insert. The keyspace calls
   * it when it grows its own node table so growth happens once, in one place.
   */
  default void ensureCapacity(int nodes) {}

  /**
   * The tracked entry {@code from} is renamed {@code to}, an id the policy does not track: it keeps
   * its place in every queue, its counters and its weight. The keyspace calls it when it compacts
   * its node ids (see {@link #truncateCapacity}); the order of victims is unchanged.
   */
  default void relabel(int from, int to) {
    throw new UnsupportedOperationException(name() + " cannot relabel nodes");
  }

  /**
   * Drops per-node state for ids {@code >= nodes}, none of which is tracked any more, so the
   * policy's memory follows the keyspace's node table down after mass deletion or expiry.
   */
  default void truncateCapacity(int nodes) {}

  /** Bytes of the policy's own state (arrays, sketch), counted by the keyspace's memory meter. */
  default long memoryBytes() {
    return 0;
  }
}
