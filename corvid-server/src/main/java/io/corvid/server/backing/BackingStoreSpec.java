package io.corvid.server.backing;

import io.corvid.server.config.ConfigException;
import io.corvid.server.config.ConfigFile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One {@code backing-store} directive: keys starting with {@link #prefix} map to rows of {@link
 * #table}; the rest of the key is the value of {@link #keyColumn}. The syntax, in the node's
 * redis.conf-style config file:
 *
 * <pre>
 * backing-store product: jdbc-url=jdbc:postgresql://db/shop table=products key-column=id \
 *     value-column=payload mode=write-behind version-column=version ttl=300 negative-ttl=5
 * </pre>
 *
 * (one line). Options, each {@code name=value}:
 * <ul>
 *   <li>{@code jdbc-url} (required), {@code user}, {@code password}, {@code pool-size};
 *   <li>{@code table}, {@code key-column} (required);
 *   <li>{@code value-column=c} (the value is that column, served as a string) or
 *       {@code value-columns=a,b,c} with {@code format=json} (GET answers a JSON object, SET takes
 *       one) or {@code format=hash} (HGETALL / HGET / HSET, one field per column);
 *   <li>{@code mode}: read-through (default), write-through or write-behind;
 *   <li>{@code version-column}: a BIGINT column carrying each write's version, so a replayed or
 *       late write never overwrites a newer row; required for write-behind;
 *   <li>{@code ttl} seconds a loaded or written key stays cached (0 = no expiry), {@code
 *       negative-ttl} seconds a missing row is remembered as absent (0 = not remembered);
 *   <li>{@code invalidate=notify}: LISTEN for the trigger that {@code bin/corvid backing-store
 *       install-triggers} installs (PostgreSQL only).
 * </ul>
 */
public record BackingStoreSpec(
    String prefix,
    String jdbcUrl,
    String user,
    String password,
    int poolSize,
    String table,
    String keyColumn,
    List<String> valueColumns,
    Format format,
    Mode mode,
    String versionColumn,
    long ttlSeconds,
    long negativeTtlSeconds,
    boolean invalidateByNotify) {

  public static final int DEFAULT_POOL_SIZE = 4;
  public static final int MAX_POOL_SIZE = 64;
  public static final int MAX_VALUE_COLUMNS = 64;
  /** Longest key prefix; prefixes are compared on every command when stores are configured. */
  public static final int MAX_PREFIX_BYTES = 256;
  /** SQL identifiers are spliced into statements, so only plain ones (optionally schema-qualified) are accepted. */
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

  public enum Mode {
    READ_THROUGH("read-through"), WRITE_THROUGH("write-through"), WRITE_BEHIND("write-behind");

    final String configName;

    Mode(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }
  }

  /** How a row is served: one column as a string, several as a JSON object or as a hash. */
  public enum Format { STRING, JSON, HASH }

  public byte[] prefixBytes() {
    return prefix.getBytes(StandardCharsets.UTF_8);
  }

  public boolean writes() {
    return mode != Mode.READ_THROUGH;
  }

  /** Whether the database is on PostgreSQL (ON CONFLICT upserts, LISTEN/NOTIFY). */
  public boolean isPostgres() {
    return jdbcUrl.startsWith("jdbc:postgresql:");
  }

  /** Whether the database is H2 (standard MERGE for the write-behind batches). */
  public boolean isH2() {
    return jdbcUrl.startsWith("jdbc:h2:");
  }

  /** The table name without a schema, lower case, as a trigger's TG_TABLE_NAME reports it. */
  public String bareTable() {
    int dot = table.lastIndexOf('.');
    return (dot < 0 ? table : table.substring(dot + 1)).toLowerCase(Locale.ROOT);
  }

  /** Parses "prefix name=value ...". */
  public static BackingStoreSpec parse(String text) throws ConfigException {
    List<String> args = ConfigFile.splitArgs(text.strip());
    if (args == null || args.size() < 2) {
      throw new ConfigException("expected 'backing-store <key-prefix> jdbc-url=... table=... key-column=... value-column=...'");
    }
    String prefix = args.get(0);
    if (prefix.isEmpty() || prefix.getBytes(StandardCharsets.UTF_8).length > MAX_PREFIX_BYTES) {
      throw new ConfigException("the key prefix must be 1 to " + MAX_PREFIX_BYTES + " bytes");
    }
    Map<String, String> o = new LinkedHashMap<>();
    for (String a : args.subList(1, args.size())) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("expected name=value, got '" + a + "'");
      }
      String name = a.substring(0, eq).toLowerCase(Locale.ROOT);
      if (!List.of("jdbc-url", "user", "password", "pool-size", "table", "key-column", "value-column", "value-columns",
          "format", "mode", "version-column", "ttl", "negative-ttl", "invalidate").contains(name)) {
        throw new ConfigException("unknown backing-store option '" + name + "'");
      }
      if (o.put(name, a.substring(eq + 1)) != null) {
        throw new ConfigException("backing-store option '" + name + "' given twice");
      }
    }
    String url = required(o, "jdbc-url");
    if (!url.startsWith("jdbc:")) {
      throw new ConfigException("jdbc-url must start with 'jdbc:'");
    }
    String table = identifier(required(o, "table"), "table");
    String keyColumn = identifier(required(o, "key-column"), "key-column");
    List<String> columns = new ArrayList<>();
    Format format;
    if (o.containsKey("value-column") == o.containsKey("value-columns")) {
      throw new ConfigException("give exactly one of value-column and value-columns");
    }
    if (o.containsKey("value-column")) {
      columns.add(identifier(o.get("value-column"), "value-column"));
      format = Format.STRING;
      if (o.containsKey("format") && !o.get("format").equalsIgnoreCase("string")) {
        throw new ConfigException("format=" + o.get("format") + " needs value-columns");
      }
    } else {
      for (String c : o.get("value-columns").split(",")) {
        columns.add(identifier(c.strip(), "value-columns"));
      }
      if (columns.size() > MAX_VALUE_COLUMNS) {
        throw new ConfigException("at most " + MAX_VALUE_COLUMNS + " value columns");
      }
      if (columns.stream().distinct().count() != columns.size()) {
        throw new ConfigException("value-columns names a column twice");
      }
      String f = o.getOrDefault("format", "json").toLowerCase(Locale.ROOT);
      format = switch (f) {
        case "json" -> Format.JSON;
        case "hash" -> Format.HASH;
        default -> throw new ConfigException("format must be json or hash with value-columns");
      };
    }
    Mode mode = null;
    String m = o.getOrDefault("mode", "read-through").toLowerCase(Locale.ROOT);
    for (Mode x : Mode.values()) {
      if (x.configName.equals(m)) {
        mode = x;
      }
    }
    if (mode == null) {
      throw new ConfigException("mode must be read-through, write-through or write-behind");
    }
    String version = o.containsKey("version-column") ? identifier(o.get("version-column"), "version-column") : null;
    if (mode == Mode.WRITE_BEHIND && version == null) {
      throw new ConfigException("mode=write-behind needs version-column (a BIGINT column) so replayed writes never overwrite newer rows");
    }
    if (version != null && (version.equalsIgnoreCase(keyColumn) || columns.contains(version))) {
      throw new ConfigException("version-column must be a column of its own");
    }
    if (columns.contains(keyColumn)) {
      throw new ConfigException("the key column cannot also be a value column");
    }
    String inv = o.getOrDefault("invalidate", "none").toLowerCase(Locale.ROOT);
    if (!inv.equals("none") && !inv.equals("notify")) {
      throw new ConfigException("invalidate must be none or notify");
    }
    if (inv.equals("notify") && !url.startsWith("jdbc:postgresql:")) {
      throw new ConfigException("invalidate=notify needs PostgreSQL (LISTEN/NOTIFY)");
    }
    return new BackingStoreSpec(prefix, url, o.get("user"), o.get("password"),
        (int) number(o, "pool-size", DEFAULT_POOL_SIZE, 1, MAX_POOL_SIZE), table, keyColumn, List.copyOf(columns), format,
        mode, version, number(o, "ttl", 0, 0, Integer.MAX_VALUE), number(o, "negative-ttl", 0, 0, Integer.MAX_VALUE),
        inv.equals("notify"));
  }

  /** The directive as CONFIG GET shows it, with the password masked. */
  public String describe() {
    StringBuilder sb = new StringBuilder(prefix).append(" jdbc-url=").append(jdbcUrl);
    if (user != null) {
      sb.append(" user=").append(user);
    }
    if (password != null) {
      sb.append(" password=***");
    }
    sb.append(" table=").append(table).append(" key-column=").append(keyColumn);
    if (format == Format.STRING) {
      sb.append(" value-column=").append(valueColumns.get(0));
    } else {
      sb.append(" value-columns=").append(String.join(",", valueColumns)).append(" format=")
          .append(format.name().toLowerCase(Locale.ROOT));
    }
    sb.append(" mode=").append(mode.configName);
    if (versionColumn != null) {
      sb.append(" version-column=").append(versionColumn);
    }
    sb.append(" ttl=").append(ttlSeconds).append(" negative-ttl=").append(negativeTtlSeconds);
    if (invalidateByNotify) {
      sb.append(" invalidate=notify");
    }
    return sb.toString();
  }

  private static String required(Map<String, String> o, String name) throws ConfigException {
    String v = o.get(name);
    if (v == null || v.isEmpty()) {
      throw new ConfigException("backing-store needs " + name + "=...");
    }
    return v;
  }

  private static String identifier(String v, String what) throws ConfigException {
    if (!IDENTIFIER.matcher(v).matches()) {
      throw new ConfigException(what + " '" + v + "' is not a plain SQL identifier");
    }
    return v;
  }

  private static long number(Map<String, String> o, String name, long dflt, long min, long max) throws ConfigException {
    String v = o.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new ConfigException(name + " must be an integer between " + min + " and " + max);
  }
}
