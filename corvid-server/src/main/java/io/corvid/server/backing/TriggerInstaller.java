package io.corvid.server.backing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * {@code bin/corvid backing-store install-triggers}: for each PostgreSQL store, installs (or
 * replaces) the function {@code corvid_notify_change()} and a row trigger on the table that
 * NOTIFYs {@link #CHANNEL} with {@code {"table": ..., "key": ..., "app": application_name}} after
 * each INSERT, UPDATE and DELETE (an UPDATE that changes the key notifies the old key too).
 * Running it again is harmless.
 */
public final class TriggerInstaller {
  public static final String CHANNEL = "corvid_invalidate";
  public static final String FUNCTION = "corvid_notify_change";
  public static final String TRIGGER = "corvid_invalidate";

  private TriggerInstaller() {}

  static final String FUNCTION_SQL = """
      CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $corvid$
      DECLARE
        app text := coalesce(current_setting('application_name', true), '');
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          PERFORM pg_notify('%s', json_build_object('table', TG_TABLE_NAME,
              'key', to_jsonb(OLD) ->> TG_ARGV[0], 'app', app)::text);
        END IF;
        IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR (to_jsonb(OLD) ->> TG_ARGV[0]) IS DISTINCT FROM (to_jsonb(NEW) ->> TG_ARGV[0])) THEN
          PERFORM pg_notify('%s', json_build_object('table', TG_TABLE_NAME,
              'key', to_jsonb(NEW) ->> TG_ARGV[0], 'app', app)::text);
        END IF;
        RETURN NULL;
      END
      $corvid$""".formatted(FUNCTION, CHANNEL, CHANNEL);

  /** Installs the trigger for every PostgreSQL store; returns one line per table done. */
  public static List<String> install(List<BackingStoreSpec> specs) throws SQLException {
    List<String> done = new ArrayList<>();
    for (BackingStoreSpec s : specs) {
      if (!s.isPostgres()) {
        done.add(s.prefix() + ": skipped (" + s.jdbcUrl() + " is not PostgreSQL)");
        continue;
      }
      Properties p = new Properties();
      if (s.user() != null) {
        p.setProperty("user", s.user());
      }
      if (s.password() != null) {
        p.setProperty("password", s.password());
      }
      try (Connection conn = DriverManager.getConnection(s.jdbcUrl(), p); Statement st = conn.createStatement()) {
        conn.setAutoCommit(false);
        st.execute(FUNCTION_SQL);
        st.execute("DROP TRIGGER IF EXISTS " + TRIGGER + " ON " + s.table());
        st.execute("CREATE TRIGGER " + TRIGGER + " AFTER INSERT OR UPDATE OR DELETE ON " + s.table()
            + " FOR EACH ROW EXECUTE FUNCTION " + FUNCTION + "('" + s.keyColumn() + "')");
        conn.commit();
      }
      done.add(s.prefix() + ": trigger " + TRIGGER + " on " + s.table() + " notifies '" + CHANNEL + "'");
    }
    return done;
  }
}
