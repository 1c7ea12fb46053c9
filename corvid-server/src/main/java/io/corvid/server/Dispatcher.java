package io.corvid.server;

import io.corvid.resp.Request;
import io.corvid.resp.RespWriter;
import io.corvid.server.cluster.ClusterRouter;
import io.corvid.server.command.CommandException;
import io.corvid.server.command.CommandSpec;
import io.corvid.server.command.Errors;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * From a parsed request to a reply, in Redis's order of checks (processCommand in server.c):
 * lookup (unknown command, unknown subcommand), arity, authentication, the RESP2 subscribed-state
 * restriction, MULTI queueing, OOM for denyoom commands, then the call itself under the node lock
 * with its commandstats and slow log bookkeeping. Any rejection inside MULTI marks the
 * transaction so EXEC answers EXECABORT.
 *
 * <h2>Cost per command</h2>
 * A connection takes the node lock once per read batch ({@link #lock()}, then {@link
 * #dispatchLocked} for each request of the batch), not once per command: on a pipeline of 16
 * GETs the lock round trip was a measurable share of the event loop's time. Likewise a command's
 * duration (commandstats {@code usec}, the slow log) costs one clock read, not two: it runs from
 * the end of the previous command of the batch ({@link #clockNanos}, reset when the lock is
 * taken) to its own end, so it also counts the parsing of its request, a few hundred
 * nanoseconds. Clock reads are system calls' worth of time on some virtual machines.
 */
public final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger("corvid");
  /** Redis lists at most this many arguments of an unknown command in its error. */
  private static final int UNKNOWN_COMMAND_ARGS_SHOWN = 128;

  private final Node node;
  private final ReentrantLock lock;
  /** Cluster mode only (null otherwise, so a standalone node pays one null check). */
  private final ClusterRouter clusterRouter;
  /** Cluster mode only: turns each command's writes into replication entries. */
  private final io.corvid.server.replication.Replication replication;

  Dispatcher(Node node) {
    this.node = node;
    this.lock = node.lock();
    this.clusterRouter = node.cluster() == null ? null : new ClusterRouter(node.cluster(), node.keyspace(), node.commands().byName("exec"));
    this.replication = node.replication();
  }

  /** End of the previous command under the lock (System.nanoTime); the next one's start. */
  private long clockNanos;

  /** Takes the node lock for a batch of {@link #dispatchLocked} calls; release with {@link #unlock}. */
  void lock() {
    lock.lock();
    clockNanos = System.nanoTime();
  }

  void unlock() {
    // BCAST invalidations collected during the batch go out once, after its replies (Redis sends
    // them in beforeSleep, once per event-loop iteration).
    node.tracking().flushBroadcasts();
    if (replication != null) {
      replication.afterCommand(null); // writes made outside a command (a deferred reply's load)
    }
    lock.unlock();
  }

  /** Restarts the command clock (lock held), after work that is no command's, such as a flush. */
  void restartClock() {
    clockNanos = System.nanoTime();
  }

  void dispatch(ClientConnection c, Request r) {
    lock();
    try {
      dispatchLocked(c, r);
    } finally {
      unlock();
    }
  }

  /** Runs one request; the caller holds the lock ({@link #lock}). */
  void dispatchLocked(ClientConnection c, Request r) {
    CommandSpec spec = node.commands().find(r.buffer(), r.offset(0), r.length(0));
    if (spec == null) {
      reject(c, null, unknownCommand(r));
      return;
    }
    if (spec.isContainer() && (r.argc() >= 2 || spec.implementation() == null)) {
      if (r.argc() < 2) {
        reject(c, spec, Errors.wrongArity(spec.name()));
        return;
      }
      CommandSpec sub = spec.subcommands().find(r.buffer(), r.offset(1), r.length(1));
      if (sub == null) {
        reject(c, spec, Errors.unknownSubcommand(r.string(1), spec.name()));
        return;
      }
      spec = sub;
    }
    if (!spec.arityOk(r.argc())) {
      reject(c, spec, Errors.wrongArity(spec.name()));
      return;
    }
    if (!c.authenticated() && !spec.has(CommandSpec.FLAG_NO_AUTH)) {
      reject(c, spec, Errors.NOAUTH);
      return;
    }
    if (c.resp() == io.corvid.resp.RespVersion.RESP2 && c.subscriptionCount() > 0
        && !spec.has(CommandSpec.FLAG_ALLOWED_IN_SUBSCRIBE)) {
      reject(c, spec, "ERR Can't execute '" + spec.name()
          + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
      return;
    }
    if (clusterRouter != null) {
      String redirect = clusterRouter.route(c, spec, r);
      if (redirect != null) {
        reject(c, spec, redirect);
        return;
      }
    }
    io.corvid.server.backing.BackingStores backing = node.backing();
    if (backing != null) {
      try {
        if (backing.intercept(c, spec, r)) {
          return; // answered, or its answer was deferred until the database replies
        }
      } catch (CommandException e) {
        reject(c, spec, e.getMessage());
        return;
      }
    }
    if (c.inMulti() && !spec.has(CommandSpec.FLAG_NOT_QUEUED)) {
      if (spec.has(CommandSpec.FLAG_NO_MULTI)) {
        reject(c, spec, "ERR Command not allowed inside a transaction");
        return;
      }
      if (spec.has(CommandSpec.FLAG_DENYOOM) && !node.keyspace().evictIfNeeded()) {
        reject(c, spec, Errors.OOM);
        return;
      }
      c.queue(r, spec);
      RespWriter.queued(c.out());
      return;
    }
    if (spec.has(CommandSpec.FLAG_DENYOOM) && !node.keyspace().evictIfNeeded()) {
      reject(c, spec, Errors.OOM);
      return;
    }
    call(c, spec, r);
  }

  /** Runs one command (lock held): used for direct calls and for each command of EXEC. */
  public void call(ClientConnection c, CommandSpec spec, Request r) {
    c.setCurrent(r, spec);
    // A command that fails after writing part of its reply must not leave half a reply behind:
    // the error replaces whatever it wrote.
    ByteBuf out = c.out();
    int replyStart = out.writerIndex();
    long start = clockNanos;
    boolean failed = false;
    Tracking tracking = node.tracking();
    boolean tracked = tracking.active();
    if (tracked) {
      tracking.beforeCall(c);
    }
    try {
      spec.implementation().execute(c);
    } catch (CommandException e) {
      failed = true;
      node.errorReplies++;
      RespWriter.error(rollback(c, out, replyStart), e.getMessage());
    } catch (RuntimeException e) {
      failed = true;
      node.errorReplies++;
      log.error("Command '{}' failed unexpectedly", spec.name(), e);
      RespWriter.error(rollback(c, out, replyStart), "ERR internal error in '" + spec.name() + "': " + e);
    }
    if (replication != null) {
      replication.afterCommand(c);
    }
    if (tracked || tracking.active()) {
      tracking.afterCall(c, spec, r, tracked);
    }
    long end = System.nanoTime();
    clockNanos = end;
    long micros = (end - start) / 1000;
    spec.recordCall(micros, failed);
    node.commandsProcessed++;
    long slower = node.config().slowlogLogSlowerThanMicros();
    if (slower >= 0 && micros >= slower && !spec.name().equals("exec")) {
      node.slowLog().add(r, node.clock().currentTimeMillis() / 1000, micros, c.peer(), c.clientName(),
          node.config().slowlogMaxLen());
    }
  }

  private static ByteBuf rollback(ClientConnection c, ByteBuf out, int replyStart) {
    if (c.out() == out && out.writerIndex() >= replyStart) {
      out.writerIndex(replyStart);
    }
    return c.out();
  }

  private void reject(ClientConnection c, CommandSpec spec, String error) {
    if (spec != null) {
      spec.recordRejected();
    }
    node.errorReplies++;
    c.flagMultiError();
    RespWriter.error(c.out(), error);
    if (node.tracking().active()) {
      node.tracking().afterRejected(c, spec);
    }
  }

  private static String unknownCommand(Request r) {
    List<String> args = new ArrayList<>();
    for (int i = 1; i < r.argc() && i <= UNKNOWN_COMMAND_ARGS_SHOWN; i++) {
      args.add(r.string(i));
    }
    return Errors.unknownCommand(r.string(0), args);
  }

}
