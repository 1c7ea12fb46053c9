package io.corvid.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Options of SET: expiry (PX), NX (only if absent), XX (only if present). Immutable. */
public final class SetArgs {
  private final Duration ttl;
  private final boolean nx;
  private final boolean xx;

  private SetArgs(Duration ttl, boolean nx, boolean xx) {
    if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
      throw new IllegalArgumentException("ttl must be positive");
    }
    if (nx && xx) {
      throw new IllegalArgumentException("NX and XX are exclusive");
    }
    this.ttl = ttl;
    this.nx = nx;
    this.xx = xx;
  }

  public static SetArgs ttl(Duration ttl) {
    return new SetArgs(ttl, false, false);
  }

  public static SetArgs ifAbsent() {
    return new SetArgs(null, true, false);
  }

  public static SetArgs ifPresent() {
    return new SetArgs(null, false, true);
  }

  public SetArgs withTtl(Duration ttl) {
    return new SetArgs(ttl, nx, xx);
  }

  public SetArgs onlyIfAbsent() {
    return new SetArgs(ttl, true, false);
  }

  public SetArgs onlyIfPresent() {
    return new SetArgs(ttl, false, true);
  }

  void appendTo(List<Object> args) {
    if (ttl != null) {
      args.add("PX");
      args.add(Math.max(1, ttl.toMillis()));
    }
    if (nx) {
      args.add("NX");
    }
    if (xx) {
      args.add("XX");
    }
  }

  List<Object> toList() {
    List<Object> out = new ArrayList<>();
    appendTo(out);
    return out;
  }
}
