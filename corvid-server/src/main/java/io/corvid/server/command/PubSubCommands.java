package io.corvid.server.command;

import io.corvid.resp.Request;
import io.corvid.resp.RespWriter;
import io.corvid.server.ByteKey;
import io.corvid.server.ClientConnection;
import io.corvid.server.PubSub;
import java.util.ArrayList;
import java.util.List;

/**
 * Pub/sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH and PUBSUB's subcommands.
 * Confirmations are one reply per channel, as Redis sends them: arrays in RESP2, push messages
 * in RESP3. A RESP2 connection with subscriptions may only run (P)(UN)SUBSCRIBE, PING, QUIT and
 * RESET (the dispatcher enforces that).
 */
public final class PubSubCommands {
  private PubSubCommands() {}

  private static final byte[] SUBSCRIBE = RespWriter.ascii("subscribe");
  private static final byte[] UNSUBSCRIBE = RespWriter.ascii("unsubscribe");
  private static final byte[] PSUBSCRIBE = RespWriter.ascii("psubscribe");
  private static final byte[] PUNSUBSCRIBE = RespWriter.ascii("punsubscribe");

  public static void register(CommandRegistry registry) {
    registry.register("subscribe", ctx -> {
      ClientConnection c = conn(ctx);
      for (int i = 1; i < ctx.argc(); i++) {
        ByteKey ch = key(ctx.request(), i);
        if (c.channels().add(ch)) {
          pubsub(c).subscribe(c, ch);
        }
        confirm(c, SUBSCRIBE, ch.bytes());
      }
    });
    registry.register("psubscribe", ctx -> {
      ClientConnection c = conn(ctx);
      for (int i = 1; i < ctx.argc(); i++) {
        ByteKey p = key(ctx.request(), i);
        if (c.patterns().add(p)) {
          pubsub(c).psubscribe(c, p);
        }
        confirm(c, PSUBSCRIBE, p.bytes());
      }
    });
    registry.register("unsubscribe", ctx -> {
      ClientConnection c = conn(ctx);
      List<ByteKey> targets = targets(ctx, c.channels());
      if (targets.isEmpty()) {
        confirm(c, UNSUBSCRIBE, null);
      }
      for (ByteKey ch : targets) {
        if (c.channels().remove(ch)) {
          pubsub(c).unsubscribe(c, ch);
        }
        confirm(c, UNSUBSCRIBE, ch.bytes());
      }
    });
    registry.register("punsubscribe", ctx -> {
      ClientConnection c = conn(ctx);
      List<ByteKey> targets = targets(ctx, c.patterns());
      if (targets.isEmpty()) {
        confirm(c, PUNSUBSCRIBE, null);
      }
      for (ByteKey p : targets) {
        if (c.patterns().remove(p)) {
          pubsub(c).punsubscribe(c, p);
        }
        confirm(c, PUNSUBSCRIBE, p.bytes());
      }
    });
    registry.register("publish", ctx -> {
      ClientConnection c = conn(ctx);
      Request r = ctx.request();
      int n = pubsub(c).publish(ctx.out().alloc(), r.buffer(), r.offset(1), r.length(1), r.buffer(), r.offset(2), r.length(2));
      ctx.replyInteger(n);
    });
    registry.register("pubsub|channels", ctx -> {
      byte[] pattern = ctx.argc() > 2 ? ctx.request().bytes(2) : null;
      if (ctx.argc() > 3) {
        throw new CommandException(Errors.wrongArity("pubsub|channels"));
      }
      List<byte[]> chans = pubsub(conn(ctx)).channels(pattern);
      ctx.replyArrayHeader(chans.size());
      chans.forEach(ctx::replyBulk);
    });
    registry.register("pubsub|numsub", ctx -> {
      ctx.replyArrayHeader((ctx.argc() - 2) * 2L);
      for (int i = 2; i < ctx.argc(); i++) {
        byte[] ch = ctx.request().bytes(i);
        ctx.replyBulk(ch);
        ctx.replyInteger(pubsub(conn(ctx)).subscribers(ch));
      }
    });
    registry.register("pubsub|numpat", ctx -> ctx.replyInteger(pubsub(conn(ctx)).patternCount()));
    registry.register("pubsub|help", ctx -> ConnectionCommands.help(ctx, "PUBSUB",
        "CHANNELS [<pattern>]", "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT", "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]", "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels)."));
  }

  private static ClientConnection conn(CommandContext ctx) {
    return (ClientConnection) ctx;
  }

  private static PubSub pubsub(ClientConnection c) {
    return c.server().pubSub();
  }

  private static ByteKey key(Request r, int i) {
    return ByteKey.copyOf(0, r.buffer(), r.offset(i), r.length(i));
  }

  /** The named channels, or every current one when none is named. */
  private static List<ByteKey> targets(CommandContext ctx, java.util.Set<ByteKey> current) {
    List<ByteKey> out = new ArrayList<>();
    if (ctx.argc() == 1) {
      out.addAll(current);
    } else {
      for (int i = 1; i < ctx.argc(); i++) {
        out.add(key(ctx.request(), i));
      }
    }
    return out;
  }

  /** [kind, channel (or null), subscription count] as a RESP2 array or RESP3 push. */
  private static void confirm(ClientConnection c, byte[] kind, byte[] channel) {
    RespWriter.pushHeader(c.out(), c.resp(), 3);
    c.replyBulk(kind);
    if (channel == null) {
      c.replyNull();
    } else {
      c.replyBulk(channel);
    }
    c.replyInteger(c.subscriptionCount());
  }
}
