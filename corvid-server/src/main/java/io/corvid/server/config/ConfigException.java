package io.corvid.server.config;

/** A configuration value was rejected. The message is Redis's wording of the reason. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
