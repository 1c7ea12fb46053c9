package io.corvid.jcache;

import io.corvid.server.testing.ServerProcess;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Starts one real Corvid node (its own JVM, an ephemeral port) for the whole test run of this
 * module, the JSR-107 TCK included, and points the provider's default URI at it
 * ({@link CorvidCachingProvider#DEFAULT_URI_PROPERTY}); stops it by PID when the run ends.
 * Registered with the JUnit Platform through META-INF/services, so it wraps the TCK's JUnit 4
 * tests (run by the vintage engine) as well as this module's own.
 */
public final class CorvidServerForTests implements LauncherSessionListener {
  private static ServerProcess server;

  /** The running node (started on first use if the session listener has not run). */
  static synchronized ServerProcess server() {
    if (server == null) {
      server = ServerProcess.start();
      System.setProperty(CorvidCachingProvider.DEFAULT_URI_PROPERTY, "corvid://" + server.host() + ":" + server.port());
      ServerProcess s = server;
      Runtime.getRuntime().addShutdownHook(new Thread(s::close, "corvid-test-server-stop"));
    }
    return server;
  }

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    server();
  }

  @Override
  public void launcherSessionClosed(LauncherSession session) {
    synchronized (CorvidServerForTests.class) {
      if (server != null) {
        server.close();
        server = null;
      }
    }
  }
}
