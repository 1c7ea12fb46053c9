package io.corvid.storage;

/**
 * A DUMP payload or slot chunk that cannot be restored. {@link #versionOrChecksum()} tells the
 * two cases Redis tells apart: a wrong version or checksum ("ERR DUMP payload version or checksum
 * are wrong"), or a payload that passes them but does not parse ("ERR Bad data format").
 */
public final class EntryFormatException extends IllegalArgumentException {
  private final boolean versionOrChecksum;

  EntryFormatException(String message, boolean versionOrChecksum) {
    super(message);
    this.versionOrChecksum = versionOrChecksum;
  }

  public boolean versionOrChecksum() {
    return versionOrChecksum;
  }
}
