package io.corvid.server.backing;

import io.corvid.server.Node;
import io.corvid.server.command.CommandContext;
import io.corvid.server.command.CommandException;
import io.corvid.server.command.CommandRegistry;
import java.util.List;
import java.util.Map;

/**
 * BACKINGSTORE STATUS | DEADLETTERS [count] | RETRY: the write-behind queue and its dead letters
 * as an operator sees them (metadata in commands/backingstore.json).
 */
public final class BackingStoreCommands {
  /** DEADLETTERS lists at most this many entries unless a count is given. */
  public static final int DEFAULT_DEAD_LETTERS_SHOWN = 100;

  private BackingStoreCommands() {}

  public static void register(CommandRegistry registry) {
    registry.register("backingstore|status", BackingStoreCommands::status);
    registry.register("backingstore|deadletters", BackingStoreCommands::deadLetters);
    registry.register("backingstore|retry", BackingStoreCommands::retry);
  }

  private static BackingStores stores(CommandContext ctx) {
    BackingStores b = ((Node) ctx.server()).backing();
    if (b == null) {
      throw new CommandException("ERR no backing-store is configured on this node");
    }
    return b;
  }

  static void status(CommandContext ctx) {
    Map<String, Object> info = stores(ctx).info();
    ctx.replyMapHeader(info.size());
    info.forEach((k, v) -> {
      ctx.replyBulk(k);
      ctx.replyBulk(String.valueOf(v));
    });
  }

  static void deadLetters(CommandContext ctx) {
    long max = DEFAULT_DEAD_LETTERS_SHOWN;
    if (ctx.argc() == 3) {
      max = ctx.argLong(2);
      if (max < 0) {
        throw new CommandException("ERR value is out of range, must be positive");
      }
    } else if (ctx.argc() > 3) {
      throw new CommandException("ERR syntax error");
    }
    List<List<String>> rows = stores(ctx).deadLetters();
    int n = (int) Math.min(max, rows.size());
    ctx.replyArrayHeader(n);
    for (int i = 0; i < n; i++) {
      List<String> row = rows.get(i);
      ctx.replyArrayHeader(row.size());
      row.forEach(ctx::replyBulk);
    }
  }

  static void retry(CommandContext ctx) {
    ctx.replyInteger(stores(ctx).retryDeadLetters());
  }
}
