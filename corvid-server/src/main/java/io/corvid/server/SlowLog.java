package io.corvid.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The slow log: the most recent commands that took longer than slowlog-log-slower-than
 * microseconds, newest first, at most slowlog-max-len entries. As in Redis, an entry keeps at
 * most {@link #MAX_ARGS} arguments and {@link #MAX_ARG_BYTES} bytes of each. Guarded by the node
 * lock.
 */
public final class SlowLog {
  public static final int MAX_ARGS = 32;
  public static final int MAX_ARG_BYTES = 128;

  public record Entry(long id, long unixSeconds, long micros, List<byte[]> args, String peer, String clientName) {}

  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private long nextId;

  public void add(io.corvid.resp.Request r, long unixSeconds, long micros, String peer, String clientName, long maxLen) {
    if (maxLen <= 0) {
      entries.clear();
      return;
    }
    int argc = Math.min(r.argc(), MAX_ARGS);
    List<byte[]> args = new ArrayList<>(argc);
    for (int i = 0; i < argc; i++) {
      if (argc < r.argc() && i == argc - 1) {
        args.add(("... (" + (r.argc() - argc + 1) + " more arguments)").getBytes(StandardCharsets.US_ASCII));
        break;
      }
      int len = r.length(i);
      if (len > MAX_ARG_BYTES) {
        byte[] head = new byte[MAX_ARG_BYTES];
        System.arraycopy(r.buffer(), r.offset(i), head, 0, MAX_ARG_BYTES);
        byte[] tail = ("... (" + (len - MAX_ARG_BYTES) + " more bytes)").getBytes(StandardCharsets.US_ASCII);
        byte[] both = new byte[head.length + tail.length];
        System.arraycopy(head, 0, both, 0, head.length);
        System.arraycopy(tail, 0, both, head.length, tail.length);
        args.add(both);
      } else {
        args.add(r.bytes(i));
      }
    }
    entries.addFirst(new Entry(nextId++, unixSeconds, micros, args, peer, clientName == null ? "" : clientName));
    while (entries.size() > maxLen) {
      entries.removeLast();
    }
  }

  public List<Entry> newest(long count) {
    List<Entry> out = new ArrayList<>();
    Iterator<Entry> it = entries.iterator();
    while (it.hasNext() && out.size() < count) {
      out.add(it.next());
    }
    return out;
  }

  public int size() {
    return entries.size();
  }

  public void reset() {
    entries.clear();
  }
}
