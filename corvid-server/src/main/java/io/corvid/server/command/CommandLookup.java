package io.corvid.server.command;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Finds a command by the bytes the client sent, ignoring ASCII case, without creating a String:
 * an open-addressing hash table keyed by the lower-cased name, probed with a case-folding hash of
 * the request slice. Immutable after construction, so event loops read it without locking.
 */
public final class CommandLookup {
  private final CommandSpec[] slots;
  private final byte[][] keys;
  private final int mask;
  private final List<CommandSpec> all;

  CommandLookup(Collection<CommandSpec> specs) {
    int cap = Integer.highestOneBit(Math.max(8, specs.size() * 4) - 1) << 1;
    slots = new CommandSpec[cap];
    keys = new byte[cap][];
    mask = cap - 1;
    all = List.copyOf(specs);
    for (CommandSpec s : specs) {
      byte[] k = s.lookupBytes();
      int i = hash(k, 0, k.length) & mask;
      while (slots[i] != null) {
        i = (i + 1) & mask;
      }
      slots[i] = s;
      keys[i] = k;
    }
  }

  /** The command named by {@code buf[off, off+len)} in any case, or null. */
  public CommandSpec find(byte[] buf, int off, int len) {
    int i = hash(buf, off, len) & mask;
    while (true) {
      byte[] k = keys[i];
      if (k == null) {
        return null;
      }
      if (equalsLowerCase(k, buf, off, len)) {
        return slots[i];
      }
      i = (i + 1) & mask;
    }
  }

  public List<CommandSpec> all() {
    return all;
  }

  public int size() {
    return all.size();
  }

  List<CommandSpec> sortedByName() {
    List<CommandSpec> l = new ArrayList<>(all);
    l.sort((a, b) -> a.name().compareTo(b.name()));
    return l;
  }

  private static int hash(byte[] b, int off, int len) {
    int h = 0x811c9dc5;
    for (int i = 0; i < len; i++) {
      h ^= lower(b[off + i]);
      h *= 0x01000193;
    }
    return h ^ (h >>> 16);
  }

  private static boolean equalsLowerCase(byte[] lowerKey, byte[] b, int off, int len) {
    if (lowerKey.length != len) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if (lowerKey[i] != lower(b[off + i])) {
        return false;
      }
    }
    return true;
  }

  private static int lower(byte c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
  }
}
