package io.corvid.server.command;

import io.corvid.resp.RespWriter;
import io.corvid.server.ClientConnection;
import io.corvid.server.ClientTracking;
import io.corvid.server.Tracking;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR and CLIENT TRACKINGINFO, with Redis 7's
 * option parsing, checks (in Redis's order) and error strings (networking.c clientCommand). The
 * tracking itself is {@link Tracking}.
 */
public final class TrackingCommands {
  private TrackingCommands() {}

  private static final byte[] ON = RespWriter.ascii("ON");
  private static final byte[] OFF = RespWriter.ascii("OFF");
  private static final byte[] REDIRECT = RespWriter.ascii("REDIRECT");
  private static final byte[] BCAST = RespWriter.ascii("BCAST");
  private static final byte[] OPTIN = RespWriter.ascii("OPTIN");
  private static final byte[] OPTOUT = RespWriter.ascii("OPTOUT");
  private static final byte[] NOLOOP = RespWriter.ascii("NOLOOP");
  private static final byte[] PREFIX = RespWriter.ascii("PREFIX");
  private static final byte[] YES = RespWriter.ascii("YES");
  private static final byte[] NO = RespWriter.ascii("NO");

  static final String SINGLE_REDIRECT = "ERR A client can only redirect to a single other client";
  static final String NO_SUCH_REDIRECT = "ERR The client ID you want redirect to does not exist";
  static final String PREFIX_NEEDS_BCAST = "ERR PREFIX option requires BCAST mode to be enabled";
  static final String BCAST_SWITCH = "ERR You can't switch BCAST mode on/off before disabling tracking for this client,"
      + " and then re-enabling it with a different mode.";
  static final String OPT_WITH_BCAST = "ERR OPTIN and OPTOUT are not compatible with BCAST";
  static final String OPTIN_AND_OPTOUT = "ERR You can't specify both OPTIN mode and OPTOUT mode";
  static final String OPT_SWITCH = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client,"
      + " and then re-enabling it with a different mode.";
  static final String CACHING_NOT_TRACKING = "ERR CLIENT CACHING can be called only when the client is in tracking mode"
      + " with OPTIN or OPTOUT mode enabled";
  static final String CACHING_YES_NEEDS_OPTIN = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.";
  static final String CACHING_NO_NEEDS_OPTOUT = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.";

  public static void register(CommandRegistry registry) {
    registry.register("client|tracking", TrackingCommands::tracking);
    registry.register("client|caching", TrackingCommands::caching);
    registry.register("client|getredir", ctx -> {
      ClientTracking t = ConnectionCommands.conn(ctx).tracking();
      ctx.replyInteger(t != null && t.on() ? t.redirect() : -1);
    });
    registry.register("client|trackinginfo", TrackingCommands::trackingInfo);
  }

  /** CLIENT TRACKING (ON|OFF) [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP]. */
  private static void tracking(CommandContext ctx) {
    ClientConnection c = ConnectionCommands.conn(ctx);
    long redirect = 0;
    boolean bcast = false;
    boolean optin = false;
    boolean optout = false;
    boolean noloop = false;
    List<byte[]> prefixes = new ArrayList<>();
    for (int j = 3; j < ctx.argc(); j++) {
      boolean more = j + 1 < ctx.argc();
      if (ctx.argIs(j, REDIRECT) && more) {
        j++;
        if (redirect != 0) {
          throw new CommandException(SINGLE_REDIRECT);
        }
        redirect = ctx.argLong(j);
        // The target must exist now, though it may go away later (then tracking-redir-broken).
        ClientConnection target = c.server().clients().get(redirect);
        if (target == null || target.isClosed()) {
          throw new CommandException(NO_SUCH_REDIRECT);
        }
      } else if (ctx.argIs(j, BCAST)) {
        bcast = true;
      } else if (ctx.argIs(j, OPTIN)) {
        optin = true;
      } else if (ctx.argIs(j, OPTOUT)) {
        optout = true;
      } else if (ctx.argIs(j, NOLOOP)) {
        noloop = true;
      } else if (ctx.argIs(j, PREFIX) && more) {
        j++;
        prefixes.add(ctx.request().bytes(j));
      } else {
        throw new CommandException(Errors.SYNTAX);
      }
    }
    Tracking tracking = c.server().tracking();
    if (ctx.argIs(2, ON)) {
      ClientTracking t = c.tracking();
      boolean on = t != null && t.on();
      if (!bcast && !prefixes.isEmpty()) {
        throw new CommandException(PREFIX_NEEDS_BCAST);
      }
      if (on && t.bcast() != bcast) {
        throw new CommandException(BCAST_SWITCH);
      }
      if (bcast && (optin || optout)) {
        throw new CommandException(OPT_WITH_BCAST);
      }
      if (optin && optout) {
        throw new CommandException(OPTIN_AND_OPTOUT);
      }
      if (on && ((optin && t.optout()) || (optout && t.optin()))) {
        throw new CommandException(OPT_SWITCH);
      }
      if (bcast) {
        checkPrefixCollisions(t, prefixes);
      }
      tracking.enable(c, redirect, bcast, optin, optout, noloop, prefixes);
    } else if (ctx.argIs(2, OFF)) {
      tracking.disable(c);
    } else {
      throw new CommandException(Errors.SYNTAX);
    }
    ctx.replyOk();
  }

  /** Redis's checkPrefixCollisionsOrReply: no prefix may be a prefix of another of the same client. */
  private static void checkPrefixCollisions(ClientTracking t, List<byte[]> prefixes) {
    for (int i = 0; i < prefixes.size(); i++) {
      byte[] p = prefixes.get(i);
      if (t != null) {
        for (byte[] existing : t.prefixes()) {
          if (overlap(existing, p)) {
            throw new CommandException("ERR Prefix '" + text(p) + "' overlaps with an existing prefix '" + text(existing)
                + "'. Prefixes for a single client must not overlap.");
          }
        }
      }
      for (int j = i + 1; j < prefixes.size(); j++) {
        if (overlap(p, prefixes.get(j))) {
          throw new CommandException("ERR Prefix '" + text(p) + "' overlaps with another provided prefix '"
              + text(prefixes.get(j)) + "'. Prefixes for a single client must not overlap.");
        }
      }
    }
  }

  /** One is a prefix of the other (Redis's stringCheckPrefix). */
  private static boolean overlap(byte[] a, byte[] b) {
    int n = Math.min(a.length, b.length);
    return Arrays.equals(a, 0, n, b, 0, n);
  }

  private static String text(byte[] b) {
    return new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** CLIENT CACHING YES|NO: the next command's reads are tracked (OPTIN) or not (OPTOUT). */
  private static void caching(CommandContext ctx) {
    ClientTracking t = ConnectionCommands.conn(ctx).tracking();
    if (t == null || !t.on()) {
      throw new CommandException(CACHING_NOT_TRACKING);
    }
    if (ctx.argIs(2, YES)) {
      if (!t.optin()) {
        throw new CommandException(CACHING_YES_NEEDS_OPTIN);
      }
    } else if (ctx.argIs(2, NO)) {
      if (!t.optout()) {
        throw new CommandException(CACHING_NO_NEEDS_OPTOUT);
      }
    } else {
      throw new CommandException(Errors.SYNTAX);
    }
    t.setCaching();
    ctx.replyOk();
  }

  /** CLIENT TRACKINGINFO: flags (a set), redirect, prefixes. */
  private static void trackingInfo(CommandContext ctx) {
    ClientTracking t = ConnectionCommands.conn(ctx).tracking();
    boolean on = t != null && t.on();
    List<String> flags = new ArrayList<>();
    flags.add(on ? "on" : "off");
    if (on) {
      if (t.bcast()) {
        flags.add("bcast");
      }
      if (t.optin()) {
        flags.add("optin");
        if (t.caching()) {
          flags.add("caching-yes");
        }
      }
      if (t.optout()) {
        flags.add("optout");
        if (t.caching()) {
          flags.add("caching-no");
        }
      }
      if (t.noloop()) {
        flags.add("noloop");
      }
      if (t.brokenRedirect()) {
        flags.add("broken_redirect");
      }
    }
    ctx.replyMapHeader(3);
    ctx.replyBulk("flags");
    ctx.replySetHeader(flags.size());
    for (String f : flags) {
      ctx.replyBulk(f);
    }
    ctx.replyBulk("redirect");
    ctx.replyInteger(on ? t.redirect() : -1);
    ctx.replyBulk("prefixes");
    if (t == null) {
      ctx.replyArrayHeader(0);
    } else {
      ctx.replyArrayHeader(t.prefixes().size());
      for (byte[] p : t.prefixes()) {
        ctx.replyBulk(p);
      }
    }
  }
}
