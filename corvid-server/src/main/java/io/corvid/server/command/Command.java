package io.corvid.server.command;

/**
 * One command's implementation. Runs on the event loop that read the request, with the keyspace
 * lock held (when the command's metadata marks it as touching the keyspace), after the dispatcher
 * has checked arity, authentication, MULTI queueing and OOM. Writes exactly one reply through the
 * context, or throws {@link CommandException} to reply with an error.
 */
@FunctionalInterface
public interface Command {
  void execute(CommandContext ctx);
}
