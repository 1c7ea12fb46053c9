package io.corvid.server.backing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invalidation from PostgreSQL: one thread per database holds a dedicated connection (not from
 * the pool) that LISTENs on {@link TriggerInstaller#CHANNEL} and turns each notification of the
 * trigger into {@code invalidate(table, key)}. When the connection breaks it reconnects after
 * {@link #RECONNECT_MILLIS}; notifications sent while it was away are lost, so after every
 * (re)connect it drops every cached key of that database's stores ({@code onConnected}): the
 * cache may hold rows changed while nobody listened.
 *
 * <p>Notifications caused by this node's own writes (write-through, write-behind flushes) carry
 * its application_name and are skipped: the cache already holds what was written.
 */
final class NotifyListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("corvid");
  static final long RECONNECT_MILLIS = 1_000;
  static final int POLL_MILLIS = 500;

  private final Map<String, List<BackingStoreSpec>> byUrl = new LinkedHashMap<>();
  private final String applicationName;
  private final BiConsumer<String, String> invalidate;
  private final java.util.function.Consumer<List<BackingStoreSpec>> onConnected;
  private final ObjectMapper json = new ObjectMapper();
  private final List<Thread> threads = new java.util.ArrayList<>();
  private volatile boolean running = true;
  private volatile int connectedCount;
  private final java.util.Set<Connection> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

  NotifyListener(List<BackingStoreSpec> specs, String applicationName, BiConsumer<String, String> invalidate,
      java.util.function.Consumer<List<BackingStoreSpec>> onConnected) {
    this.onConnected = onConnected;
    for (BackingStoreSpec s : specs) {
      byUrl.computeIfAbsent(s.jdbcUrl() + "\u0000" + s.user(), k -> new java.util.ArrayList<>()).add(s);
    }
    this.applicationName = applicationName;
    this.invalidate = invalidate;
  }

  void start() {
    for (List<BackingStoreSpec> group : byUrl.values()) {
      Thread t = new Thread(() -> listen(group), "corvid-backing-listen");
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  boolean connected() {
    return connectedCount == byUrl.size();
  }

  private void listen(List<BackingStoreSpec> group) {
    BackingStoreSpec spec = group.get(0);
    boolean first = true;
    while (running) {
      Properties p = new Properties();
      if (spec.user() != null) {
        p.setProperty("user", spec.user());
      }
      if (spec.password() != null) {
        p.setProperty("password", spec.password());
      }
      p.setProperty("ApplicationName", applicationName + "-listen");
      try (Connection conn = DriverManager.getConnection(spec.jdbcUrl(), p)) {
        open.add(conn);
        try (Statement st = conn.createStatement()) {
          st.execute("LISTEN " + TriggerInstaller.CHANNEL);
        }
        synchronized (this) {
          connectedCount++;
        }
        log.info("Backing store: listening for invalidations on {}", spec.jdbcUrl());
        if (!first) {
          onConnected.accept(group);
        }
        first = false;
        try {
          PGConnection pg = conn.unwrap(PGConnection.class);
          while (running) {
            PGNotification[] ns = pg.getNotifications(POLL_MILLIS);
            if (ns == null) {
              continue;
            }
            for (PGNotification n : ns) {
              handle(n.getParameter());
            }
          }
        } finally {
          synchronized (this) {
            connectedCount--;
          }
          open.remove(conn);
        }
      } catch (SQLException e) {
        if (running) {
          log.warn("Backing store invalidation listener on {}: {}; reconnecting in {} ms", spec.jdbcUrl(), e.getMessage(),
              RECONNECT_MILLIS);
          sleep();
        }
      }
    }
  }

  private void handle(String payload) {
    try {
      JsonNode n = json.readTree(payload);
      if (applicationName.equals(n.path("app").asText(""))) {
        return;
      }
      String table = n.path("table").asText("");
      JsonNode key = n.get("key");
      if (key != null && !key.isNull()) {
        invalidate.accept(table.toLowerCase(java.util.Locale.ROOT), key.asText());
      }
    } catch (Exception e) {
      log.warn("Backing store: ignored a malformed invalidation '{}': {}", payload, e.toString());
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(RECONNECT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running = false;
    for (Thread t : threads) {
      try {
        t.join(POLL_MILLIS * 4L);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
