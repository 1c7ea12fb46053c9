package io.corvid.server.config;

import java.util.Locale;

/**
 * {@code client-output-buffer-limit}: per client class, a hard limit (bytes; exceeding it closes
 * the client at once), a soft limit (bytes) and the seconds the soft limit may be exceeded
 * continuously before the client is closed. 0 disables a limit. As in Redis, the replica class
 * is accepted and reported (Corvid has no replicas yet).
 */
public record OutputBufferLimits(Limit normal, Limit replica, Limit pubsub) {

  public record Limit(long hardBytes, long softBytes, long softSeconds) {
    public static final Limit NONE = new Limit(0, 0, 0);

    public boolean hasHard() {
      return hardBytes > 0;
    }

    public boolean hasSoft() {
      return softBytes > 0;
    }

    String format() {
      return hardBytes + " " + softBytes + " " + softSeconds;
    }
  }

  /** Redis 7's defaults: normal unlimited, replica 256mb 64mb 60, pubsub 32mb 8mb 60. */
  public static final OutputBufferLimits DEFAULTS = new OutputBufferLimits(
      Limit.NONE,
      new Limit(256L * 1024 * 1024, 64L * 1024 * 1024, 60),
      new Limit(32L * 1024 * 1024, 8L * 1024 * 1024, 60));

  /** As CONFIG GET prints it. */
  public String format() {
    return "normal " + normal.format() + " slave " + replica.format() + " pubsub " + pubsub.format();
  }

  /**
   * Applies {@code "class hard soft seconds [class hard soft seconds ...]"} on top of this value;
   * classes not named keep their limits. Errors are worded as Redis words them.
   */
  public OutputBufferLimits with(String spec) throws ConfigException {
    String[] t = spec.trim().split("\\s+");
    if (t.length % 4 != 0 || spec.isBlank()) {
      throw new ConfigException("Wrong number of arguments in buffer limit configuration.");
    }
    Limit n = normal;
    Limit r = replica;
    Limit p = pubsub;
    for (int i = 0; i < t.length; i += 4) {
      long hard;
      long soft;
      long seconds;
      try {
        hard = MemoryUnits.parse(t[i + 1]);
        soft = MemoryUnits.parse(t[i + 2]);
        seconds = Long.parseLong(t[i + 3]);
      } catch (ConfigException | NumberFormatException e) {
        throw new ConfigException("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
      }
      if (seconds < 0) {
        throw new ConfigException("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
      }
      Limit l = new Limit(hard, soft, seconds);
      switch (t[i].toLowerCase(Locale.ROOT)) {
        case "normal" -> n = l;
        case "slave", "replica" -> r = l;
        case "pubsub" -> p = l;
        default -> throw new ConfigException("Invalid client class specified in buffer limit configuration.");
      }
    }
    return new OutputBufferLimits(n, r, p);
  }
}
