package io.corvid.server;

import java.util.Arrays;
import java.util.Collections;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * One connection's CLIENT TRACKING state, the flags Redis keeps in {@code client->flags}
 * (CLIENT_TRACKING, _BCAST, _OPTIN, _OPTOUT, _NOLOOP, _CACHING, _BROKEN_REDIR) plus the
 * redirection id and the BCAST prefixes. Created the first time a connection enables tracking, so
 * a connection that never does carries a null reference and nothing else. Guarded by the node
 * lock; changed only through {@link Tracking}.
 */
public final class ClientTracking {
  boolean on;
  boolean bcast;
  boolean optin;
  boolean optout;
  boolean noloop;
  /** CLIENT CACHING YES (in OPTIN) or NO (in OPTOUT) was given for the next command. */
  boolean caching;
  /** The redirection target was gone when an invalidation was due. */
  boolean brokenRedirect;
  /** Client id invalidations go to; 0 = this connection. Kept after OFF, as Redis does. */
  long redirect;
  /** BCAST prefixes, in Redis's order (byte-wise, as its radix tree iterates). */
  final NavigableSet<byte[]> prefixes = new TreeSet<>(Arrays::compareUnsigned);

  public boolean on() { return on; }
  public boolean bcast() { return bcast; }
  public boolean optin() { return optin; }
  public boolean optout() { return optout; }
  public boolean noloop() { return noloop; }
  public boolean caching() { return caching; }
  public boolean brokenRedirect() { return brokenRedirect; }
  public long redirect() { return redirect; }

  /** The BCAST prefixes (read-only view). */
  public NavigableSet<byte[]> prefixes() {
    return Collections.unmodifiableNavigableSet(prefixes);
  }

  /** CLIENT CACHING YES / NO: applies to the next command (or the next EXEC). */
  public void setCaching() {
    caching = true;
  }
}
