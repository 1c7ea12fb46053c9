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
 *
 * <h2>Fast commands are timed as a group</h2>
 * Even one clock read per command was 4% of the event loop on pipelined GETs. So consecutive
 * commands of a batch that Redis flags {@code fast} (GET, SET, INCR, HGET, ...) with a request
 * and a reply of at most {@link #GROUP_MAX_BYTES} each are timed together: one clock read when
 * the group ends (at the end of the batch, before a command timed on its own, before a mid-batch
 * flush, or after {@link #GROUP_MAX_COMMANDS} commands), and the group's microseconds are shared
 * out evenly over its commands' commandstats (the sum is exact; before, each command's own
 * sub-microsecond time was truncated to 0). Any other command, any command run by EXEC or a
 * resumed deferred reply, and every command while {@code slowlog-log-slower-than} is 0 are timed
 * alone as before. A fast command whose reply turns out bigger ends the group and is timed from
 * the group's start. The one thing given up: a group of small fast commands slower in total than
 * {@code slowlog-log-slower-than} (a stall such as a GC pause, since each of them is O(1) on
 * small data) leaves no slow log entry, where a command-by-command clock would have blamed
 * whichever command the stall hit.
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

  /** Most commands timed as one group. */
  static final int GROUP_MAX_COMMANDS = 16;
  /** Requests and replies larger than this are timed on their own (their size can make them slow). */
  static final int GROUP_MAX_BYTES = 16 * 1024;
  /** The commands of the current group, since {@link #clockNanos}; their time is not recorded yet. */
  private final CommandSpec[] group = new CommandSpec[GROUP_MAX_COMMANDS];
  private int groupSize;

  /** Takes the node lock for a batch of {@link #dispatchLocked} calls; release with {@link #unlock}. */
  void lock() {
    lock.lock();
    clockNanos = System.nanoTime();
  }

  void unlock() {
    endGroup();
    // BCAST invalidations collected during the batch go out once, after its replies (Redis sends
    // them in beforeSleep, once per event-loop iteration).
    node.tracking().flushBroadcasts();
    if (replication != null) {
      replication.afterCommand(null); // writes made outside a command (a deferred reply's load)
    }
    lock.unlock();
  }

  /**
   * Ends the current group of fast commands (lock held): reads the clock once and shares the
   * group's time out over its commands.
   */
  void endGroup() {
    if (groupSize > 0) {
      long now = System.nanoTime();
      shareOut((now - clockNanos) / 1000);
      clockNanos = now;
    }
  }

  /** Adds {@code micros} to the group's commands' commandstats, evenly (the sum is exact), and empties it. */
  private void shareOut(long micros) {
    int n = groupSize;
    long each = micros / n;
    long rest = micros - each * n;
    for (int i = 0; i < n; i++) {
      group[i].addMicros(i < rest ? each + 1 : each);
      group[i] = null;
    }
    groupSize = 0;
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
    long slower = node.config().slowlogLogSlowerThanMicros();
    if (slower != 0 && spec.has(CommandSpec.FLAG_FAST) && r.arenaBytes() <= GROUP_MAX_BYTES) {
      callGrouped(c, spec, r, slower);
    } else {
      call(c, spec, r);
    }
  }

  /** Runs a fast command as part of the current group ({@link #endGroup}). */
  private void callGrouped(ClientConnection c, CommandSpec spec, Request r, long slower) {
    c.setCurrent(r, spec);
    ByteBuf out = c.out();
    int replyStart = out.writerIndex();
    boolean failed = execute(c, spec, r, out, replyStart);
    spec.recordCall(0, failed);
    node.commandsProcessed++;
    if (c.out() == out && out.writerIndex() - replyStart <= GROUP_MAX_BYTES) {
      group[groupSize++] = spec;
      if (groupSize == GROUP_MAX_COMMANDS) {
        endGroup();
      }
      return;
    }
    // A big reply: the group ends here, and this command takes the group's time (the others
    // were small), so the slow log can see it.
    long end = System.nanoTime();
    long micros = (end - clockNanos) / 1000;
    if (groupSize > 0) {
      shareOut(0);
    }
    spec.addMicros(micros);
    clockNanos = end;
    slowLog(c, spec, r, micros, slower);
  }

  /** Runs one command (lock held), timed on its own: used for direct calls and for each command of EXEC. */
  public void call(ClientConnection c, CommandSpec spec, Request r) {
    endGroup();
    c.setCurrent(r, spec);
    // A command that fails after writing part of its reply must not leave half a reply behind:
    // the error replaces whatever it wrote.
    ByteBuf out = c.out();
    int replyStart = out.writerIndex();
    long start = clockNanos;
    boolean failed = execute(c, spec, r, out, replyStart);
    long end = System.nanoTime();
    clockNanos = end;
    long micros = (end - start) / 1000;
    spec.recordCall(micros, failed);
    node.commandsProcessed++;
    slowLog(c, spec, r, micros, node.config().slowlogLogSlowerThanMicros());
  }

  private void slowLog(ClientConnection c, CommandSpec spec, Request r, long micros, long slower) {
    if (slower >= 0 && micros >= slower && !spec.name().equals("exec")) {
      node.slowLog().add(r, node.clock().currentTimeMillis() / 1000, micros, c.peer(), c.clientName(),
          node.config().slowlogMaxLen());
    }
  }

  /** Executes the command with CLIENT TRACKING's bookkeeping around it; true when it failed. */
  private boolean execute(ClientConnection c, CommandSpec spec, Request r, ByteBuf out, int replyStart) {
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
    return failed;
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
