package io.corvid.server.command;

import io.corvid.resp.Request;
import io.corvid.server.ByteKey;
import io.corvid.server.ClientConnection;
import io.corvid.server.Node;
import io.corvid.storage.Keyspace;
import java.util.List;

/**
 * MULTI, EXEC, DISCARD, WATCH, UNWATCH. Queueing happens in the dispatcher (it replies +QUEUED
 * and marks the transaction when a command is rejected at queue time); EXEC runs the queue with
 * the node lock held throughout, so no other client's command interleaves.
 *
 * <p>WATCH relies on the keyspace listener ({@link io.corvid.server.Watches}): any change to a
 * watched key — a write, delete, expiry, eviction or flush — marks the watcher dirty. EXEC first
 * looks each watched key up again so a key whose TTL ran out since WATCH is expired (and counts as
 * changed) even if nothing touched it, as Redis 7 does.
 */
public final class TransactionCommands {
  private TransactionCommands() {}

  private static final int LOOKUP_QUIET = Keyspace.LOOKUP_NOTOUCH | Keyspace.LOOKUP_NOSTATS;

  public static void register(CommandRegistry registry) {
    registry.register("multi", ctx -> {
      ClientConnection c = conn(ctx);
      if (c.inMulti()) {
        throw new CommandException(Errors.NESTED_MULTI);
      }
      c.beginMulti();
      ctx.replyOk();
    });
    registry.register("discard", ctx -> {
      ClientConnection c = conn(ctx);
      if (!c.inMulti()) {
        throw new CommandException(Errors.DISCARD_WITHOUT_MULTI);
      }
      c.discardMulti();
      c.unwatchAll();
      ctx.replyOk();
    });
    registry.register("exec", TransactionCommands::exec);
    registry.register("watch", ctx -> {
      ClientConnection c = conn(ctx);
      if (c.inMulti()) {
        throw new CommandException(Errors.WATCH_IN_MULTI);
      }
      Request r = ctx.request();
      for (int i = 1; i < ctx.argc(); i++) {
        // Expire the key first if it is due, so an already-expired key is watched as absent.
        ctx.keyspace().lookup(ctx.db(), r.buffer(), r.offset(i), r.length(i), LOOKUP_QUIET);
        c.watch(ByteKey.copyOf(ctx.db(), r.buffer(), r.offset(i), r.length(i)));
      }
      ctx.replyOk();
    });
    registry.register("unwatch", ctx -> {
      conn(ctx).unwatchAll();
      ctx.replyOk();
    });
  }

  private static ClientConnection conn(CommandContext ctx) {
    return (ClientConnection) ctx;
  }

  private static void exec(CommandContext ctx) {
    ClientConnection c = conn(ctx);
    Node node = c.server();
    if (!c.inMulti()) {
      throw new CommandException(Errors.EXEC_WITHOUT_MULTI);
    }
    if (c.multiError()) {
      c.discardMulti();
      c.unwatchAll();
      throw new CommandException(Errors.EXECABORT);
    }
    List<CommandSpec> specs = c.queuedSpecs();
    boolean denyoom = specs.stream().anyMatch(s -> s.has(CommandSpec.FLAG_DENYOOM));
    if (denyoom && !ctx.keyspace().evictIfNeeded()) {
      // As Redis: the EXEC is refused and the transaction stays open.
      throw new CommandException(Errors.OOM);
    }
    for (ByteKey k : c.watchedKeys()) {
      byte[] key = k.bytes();
      ctx.keyspace().lookup(k.db(), key, 0, key.length, LOOKUP_QUIET);
    }
    if (c.watchDirty()) {
      c.discardMulti();
      c.unwatchAll();
      ctx.replyNullArray();
      return;
    }
    List<Request> queued = List.copyOf(c.queued());
    List<CommandSpec> queuedSpecs = List.copyOf(specs);
    CommandSpec execSpec = c.currentSpec();
    Request execRequest = ctx.request();
    c.discardMulti();
    c.unwatchAll();
    ctx.replyArrayHeader(queued.size());
    boolean trackingLevel = node.tracking().enterExec(c);
    for (int i = 0; i < queued.size(); i++) {
      node.dispatcher().call(c, queuedSpecs.get(i), queued.get(i));
    }
    node.tracking().exitExec(c, trackingLevel);
    c.setCurrentForExec(execRequest, execSpec);
  }
}
