package io.corvid.server;

import io.corvid.server.util.GlobMatcher;
import io.corvid.resp.RespVersion;
import io.corvid.resp.RespWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Channels and patterns and who listens to them. PUBLISH encodes each message once per protocol
 * (RESP2 array, RESP3 push) and hands every receiver a shared, reference-counted view of it.
 * Guarded by the node lock.
 */
public final class PubSub {
  private static final byte[] MESSAGE = RespWriter.ascii("message");
  private static final byte[] PMESSAGE = RespWriter.ascii("pmessage");

  private final Map<ByteKey, Set<ClientConnection>> channels = new LinkedHashMap<>();
  private final Map<ByteKey, Set<ClientConnection>> patterns = new LinkedHashMap<>();
  private final ByteKey probe = ByteKey.probe();

  /** True when the subscription is new. */
  public boolean subscribe(ClientConnection c, ByteKey channel) {
    return channels.computeIfAbsent(channel, k -> new LinkedHashSet<>()).add(c);
  }

  public boolean unsubscribe(ClientConnection c, ByteKey channel) {
    Set<ClientConnection> s = channels.get(channel);
    if (s == null || !s.remove(c)) {
      return false;
    }
    if (s.isEmpty()) {
      channels.remove(channel);
    }
    return true;
  }

  public boolean psubscribe(ClientConnection c, ByteKey pattern) {
    return patterns.computeIfAbsent(pattern, k -> new LinkedHashSet<>()).add(c);
  }

  public boolean punsubscribe(ClientConnection c, ByteKey pattern) {
    Set<ClientConnection> s = patterns.get(pattern);
    if (s == null || !s.remove(c)) {
      return false;
    }
    if (s.isEmpty()) {
      patterns.remove(pattern);
    }
    return true;
  }

  /** Delivers to channel subscribers and matching pattern subscribers; returns the receiver count. */
  public int publish(ByteBufAllocator alloc, byte[] channel, int chOff, int chLen, byte[] msg, int msgOff, int msgLen) {
    int receivers = 0;
    Set<ClientConnection> subs = channels.get(probe.reset(0, channel, chOff, chLen));
    if (subs != null && !subs.isEmpty()) {
      ByteBuf[] encoded = new ByteBuf[2];
      try {
        for (ClientConnection c : subs) {
          c.deliver(encoded(encoded, alloc, c.resp(), null, channel, chOff, chLen, msg, msgOff, msgLen));
          receivers++;
        }
      } finally {
        release(encoded);
      }
    }
    if (!patterns.isEmpty()) {
      for (Map.Entry<ByteKey, Set<ClientConnection>> e : patterns.entrySet()) {
        byte[] p = e.getKey().bytes();
        if (!GlobMatcher.matches(p, 0, p.length, channel, chOff, chLen, false)) {
          continue;
        }
        ByteBuf[] encoded = new ByteBuf[2];
        try {
          for (ClientConnection c : e.getValue()) {
            c.deliver(encoded(encoded, alloc, c.resp(), p, channel, chOff, chLen, msg, msgOff, msgLen));
            receivers++;
          }
        } finally {
          release(encoded);
        }
      }
    }
    return receivers;
  }

  private static ByteBuf encoded(ByteBuf[] cache, ByteBufAllocator alloc, RespVersion v, byte[] pattern,
      byte[] channel, int chOff, int chLen, byte[] msg, int msgOff, int msgLen) {
    int i = v == RespVersion.RESP3 ? 1 : 0;
    if (cache[i] == null) {
      ByteBuf b = alloc.directBuffer(msgLen + chLen + (pattern == null ? 0 : pattern.length) + 64);
      RespWriter.pushHeader(b, v, pattern == null ? 3 : 4);
      if (pattern == null) {
        RespWriter.bulk(b, MESSAGE);
      } else {
        RespWriter.bulk(b, PMESSAGE);
        RespWriter.bulk(b, pattern);
      }
      RespWriter.bulk(b, channel, chOff, chLen);
      RespWriter.bulk(b, msg, msgOff, msgLen);
      cache[i] = b;
    }
    return cache[i];
  }

  private static void release(ByteBuf[] bufs) {
    for (ByteBuf b : bufs) {
      if (b != null) {
        b.release();
      }
    }
  }

  /** PUBSUB CHANNELS [pattern]: active channels (at least one subscriber). */
  public List<byte[]> channels(byte[] pattern) {
    List<byte[]> out = new ArrayList<>();
    for (ByteKey k : channels.keySet()) {
      byte[] b = k.bytes();
      if (pattern == null || GlobMatcher.matches(pattern, 0, pattern.length, b, 0, b.length, false)) {
        out.add(b);
      }
    }
    return out;
  }

  public int subscribers(byte[] channel) {
    Set<ClientConnection> s = channels.get(probe.reset(0, channel, 0, channel.length));
    return s == null ? 0 : s.size();
  }

  public int patternCount() {
    return patterns.size();
  }

  public int channelCount() {
    return channels.size();
  }
}
