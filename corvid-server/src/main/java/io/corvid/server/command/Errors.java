package io.corvid.server.command;

/** Redis 7's error strings, in one place, so every command words its errors as Redis does. */
public final class Errors {
  private Errors() {}

  public static final String SYNTAX = "ERR syntax error";
  public static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
  public static final String NOT_INTEGER = "ERR value is not an integer or out of range";
  public static final String NOT_FLOAT = "ERR value is not a valid float";
  public static final String OVERFLOW = "ERR increment or decrement would overflow";
  public static final String INCR_NAN_OR_INF = "ERR increment would produce NaN or Infinity";
  public static final String HASH_NOT_INTEGER = "ERR hash value is not an integer";
  public static final String HASH_NOT_FLOAT = "ERR hash value is not a float";
  public static final String NO_SUCH_KEY = "ERR no such key";
  public static final String DB_INDEX_OUT_OF_RANGE = "ERR DB index is out of range";
  public static final String INVALID_EXPIRE_PREFIX = "ERR invalid expire time in '";
  public static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";
  public static final String NOAUTH = "NOAUTH Authentication required.";
  public static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
  public static final String STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
  public static final String OFFSET_OUT_OF_RANGE = "ERR offset is out of range";
  public static final String NESTED_MULTI = "ERR MULTI calls can not be nested";
  public static final String EXEC_WITHOUT_MULTI = "ERR EXEC without MULTI";
  public static final String DISCARD_WITHOUT_MULTI = "ERR DISCARD without MULTI";
  public static final String WATCH_IN_MULTI = "ERR WATCH inside MULTI is not allowed";
  public static final String EXECABORT = "EXECABORT Transaction discarded because of previous errors.";

  /** "ERR wrong number of arguments for 'get' command" (the name as the client sent it, lower-cased). */
  public static String wrongArity(String commandName) {
    return "ERR wrong number of arguments for '" + commandName.toLowerCase(java.util.Locale.ROOT) + "' command";
  }

  /** "ERR invalid expire time in 'set' command". */
  public static String invalidExpire(String commandName) {
    return INVALID_EXPIRE_PREFIX + commandName.toLowerCase(java.util.Locale.ROOT) + "' command";
  }

  /**
   * Redis 7's unknown-command error: "ERR unknown command 'foo', with args beginning with: 'a' 'b' ".
   * Callers pass the name and the first arguments as the client sent them.
   */
  public static String unknownCommand(String name, java.util.List<String> args) {
    StringBuilder sb = new StringBuilder("ERR unknown command '").append(truncate(name)).append("', with args beginning with: ");
    for (String a : args) {
      if (sb.length() >= 128) {
        break;
      }
      sb.append('\'').append(truncate(a)).append("' ");
    }
    return sb.toString();
  }

  /** "ERR unknown subcommand 'foo'. Try CLIENT HELP." */
  public static String unknownSubcommand(String sub, String container) {
    return "ERR unknown subcommand '" + truncate(sub) + "'. Try " + container.toUpperCase(java.util.Locale.ROOT) + " HELP.";
  }

  private static String truncate(String s) {
    return s.length() > 128 ? s.substring(0, 128) : s;
  }
}
