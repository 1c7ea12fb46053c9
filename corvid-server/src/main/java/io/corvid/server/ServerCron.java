package io.corvid.server;

import io.corvid.storage.Keyspace;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's background work, {@code hz} times a second, on its own thread (never an event loop):
 *
 * <ul>
 *   <li>Active expiry: {@link Keyspace#activeExpireCycle} in slices of
 *       {@link #EXPIRE_KEYS_PER_SLICE} keys, taking the node lock per slice so clients are served
 *       between slices. While slices come back full (many keys are due) it keeps going, up to
 *       {@link #EXPIRE_CPU_PERCENT} of the tick, like Redis's ACTIVE_EXPIRE_CYCLE_SLOW; a backlog
 *       of a million due keys is cleared within seconds.
 *   <li>The keyspace's access clock ({@link Keyspace#refreshAccessClock}), so reads stamp entries
 *       without reading the clock.
 *   <li>CLIENT TRACKING: the invalidation table is brought back under tracking-table-max-keys
 *       (bounded work per tick), and BCAST invalidations for keys that expired are sent.
 *   <li>Client checks: idle timeout and output-buffer soft limits (which must fire even when no
 *       new output arrives).
 * </ul>
 */
final class ServerCron {
  private static final Logger log = LoggerFactory.getLogger("corvid");
  /** Expired keys removed per lock acquisition. */
  static final int EXPIRE_KEYS_PER_SLICE = 1000;
  /** Share of each tick active expiry may use when keys keep being due. */
  static final int EXPIRE_CPU_PERCENT = 25;
  /** Client timeouts and soft limits are checked this often. */
  static final long CLIENT_CHECK_INTERVAL_MILLIS = 1000;

  private final Node node;
  private final ScheduledExecutorService executor;
  private long lastClientCheckMillis;
  private volatile boolean stopped;

  ServerCron(Node node) {
    this.node = node;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "corvid-cron");
      t.setDaemon(true);
      return t;
    });
  }

  void start() {
    schedule();
  }

  private void schedule() {
    if (!stopped) {
      executor.schedule(this::tick, 1000 / node.config().hz(), TimeUnit.MILLISECONDS);
    }
  }

  private void tick() {
    try {
      long periodNanos = 1_000_000_000L / node.config().hz();
      activeExpire(periodNanos * EXPIRE_CPU_PERCENT / 100);
      trackingCron();
      long now = node.clock().currentTimeMillis();
      if (now - lastClientCheckMillis >= CLIENT_CHECK_INTERVAL_MILLIS) {
        lastClientCheckMillis = now;
        checkClients(now);
      }
    } catch (RuntimeException e) {
      if (!stopped) {
        log.error("Background task failed", e);
      }
    } finally {
      schedule();
    }
  }

  /** Removes due keys slice by slice until a slice comes back short or the time budget is spent. */
  int activeExpire(long budgetNanos) {
    long start = System.nanoTime();
    int total = 0;
    while (!stopped) {
      int removed;
      node.lock().lock();
      try {
        if (total == 0) {
          node.keyspace().refreshAccessClock(); // Redis's LRU clock, refreshed at hz
        }
        removed = node.keyspace().activeExpireCycle(EXPIRE_KEYS_PER_SLICE);
        node.tracking().flushBroadcasts();
      } finally {
        node.lock().unlock();
      }
      total += removed;
      if (removed < EXPIRE_KEYS_PER_SLICE || System.nanoTime() - start >= budgetNanos) {
        break;
      }
    }
    return total;
  }

  /** tracking-table-max-keys is enforced here too, so an idle node gets back under a lowered limit. */
  private void trackingCron() {
    if (!node.tracking().active()) {
      return;
    }
    node.lock().lock();
    try {
      node.tracking().cron();
    } finally {
      node.lock().unlock();
    }
  }

  private void checkClients(long now) {
    node.lock().lock();
    try {
      for (ClientConnection c : node.clients().values()) {
        c.cronCheck(now);
      }
    } finally {
      node.lock().unlock();
    }
  }

  void stop() {
    stopped = true;
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
