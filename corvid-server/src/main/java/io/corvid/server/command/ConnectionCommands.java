package io.corvid.server.command;

import io.corvid.resp.RespVersion;
import io.corvid.resp.RespWriter;
import io.corvid.server.ClientConnection;
import io.corvid.server.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Connection commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET and CLIENT's subcommands,
 * with Redis 7's replies and errors.
 */
public final class ConnectionCommands {
  private ConnectionCommands() {}

  private static final byte[] AUTH = RespWriter.ascii("AUTH");
  private static final byte[] SETNAME = RespWriter.ascii("SETNAME");
  private static final byte[] PONG = RespWriter.ascii("pong");
  private static final String NO_PASSWORD_CONFIGURED = "ERR AUTH <password> called without any password configured for the default user."
      + " Are you sure your configuration is correct?";
  private static final String HELLO_NOAUTH = "NOAUTH HELLO must be called with the client already authenticated, otherwise the"
      + " HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time";
  private static final String BAD_CLIENT_NAME = "ERR Client names cannot contain spaces, newlines or special characters.";

  public static void register(CommandRegistry registry) {
    registry.register("ping", ConnectionCommands::ping);
    registry.register("echo", ctx -> ctx.replyBulk(ctx.request().buffer(), ctx.request().offset(1), ctx.request().length(1)));
    registry.register("hello", ConnectionCommands::hello);
    registry.register("auth", ConnectionCommands::auth);
    registry.register("select", ctx -> {
      long db;
      try {
        db = ctx.argLong(1);
      } catch (CommandException e) {
        throw new CommandException(Errors.NOT_INTEGER);
      }
      if (db != 0 && ctx.server().clusterEnabled()) {
        throw new CommandException("ERR SELECT is not allowed in cluster mode");
      }
      if (db < 0 || db >= Integer.MAX_VALUE) {
        throw new CommandException(Errors.DB_INDEX_OUT_OF_RANGE);
      }
      ctx.selectDb((int) db);
      ctx.replyOk();
    });
    registry.register("quit", ctx -> {
      ctx.replyOk();
      ctx.session().closeAfterReply();
    });
    registry.register("reset", ctx -> {
      conn(ctx).reset();
      ctx.replySimple("RESET");
    });
    registry.register("client|id", ctx -> ctx.replyInteger(ctx.session().clientId()));
    registry.register("client|setname", ctx -> {
      String name = ctx.request().string(2);
      checkName(name, BAD_CLIENT_NAME);
      ctx.session().setClientName(name);
      ctx.replyOk();
    });
    registry.register("client|getname", ctx -> {
      String n = ctx.session().clientName();
      if (n == null) {
        ctx.replyNull();
      } else {
        ctx.replyBulk(n);
      }
    });
    registry.register("client|info", ctx -> conn(ctx).replyVerbatim(conn(ctx).describe() + "\n"));
    registry.register("client|list", ConnectionCommands::clientList);
    registry.register("client|setinfo", ConnectionCommands::clientSetinfo);
    registry.register("client|kill", ConnectionCommands::clientKill);
    registry.register("client|help", ctx -> help(ctx, "CLIENT",
        "CACHING (YES|NO)", "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR", "    Return the client ID we are redirecting to when tracking is enabled.",
        "ID", "    Return the ID of the current connection.",
        "GETNAME", "    Return the name of the current connection.",
        "INFO", "    Return information about the current client connection.",
        "KILL <ip:port>", "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
        "    * USER <username>", "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
        "    * ID <client-id>", "      Kill connections by client id.",
        "LIST [options ...]", "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Return clients of specified type.",
        "    * ID <client-id> [<client-id> ...]", "      Return clients of specified IDs only.",
        "SETINFO <option> <value>", "    Set client meta attr. Options are:",
        "    * LIB-NAME: the client lib name.", "    * LIB-VER: the client lib version.",
        "SETNAME <name>", "    Assign the name <name> to the current connection.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]", "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO", "    Report tracking status for the current connection."));
  }

  static ClientConnection conn(CommandContext ctx) {
    return (ClientConnection) ctx;
  }

  private static void ping(CommandContext ctx) {
    if (ctx.argc() > 2) {
      throw new CommandException(Errors.wrongArity("ping"));
    }
    ClientConnection c = conn(ctx);
    if (c.resp() == RespVersion.RESP2 && c.subscriptionCount() > 0) {
      ctx.replyArrayHeader(2);
      ctx.replyBulk(PONG);
      if (ctx.argc() == 2) {
        ctx.replyBulk(ctx.request().buffer(), ctx.request().offset(1), ctx.request().length(1));
      } else {
        ctx.replyBulk(new byte[0]);
      }
      return;
    }
    if (ctx.argc() == 1) {
      RespWriter.pong(ctx.out());
    } else {
      ctx.replyBulk(ctx.request().buffer(), ctx.request().offset(1), ctx.request().length(1));
    }
  }

  private static void hello(CommandContext ctx) {
    ClientConnection c = conn(ctx);
    Node node = c.server();
    RespVersion version = c.resp();
    int i = 1;
    if (ctx.argc() >= 2) {
      long ver;
      try {
        ver = ctx.argLong(1);
      } catch (CommandException e) {
        throw new CommandException("ERR Protocol version is not an integer or out of range");
      }
      if (ver < 2 || ver > 3) {
        throw new CommandException("NOPROTO unsupported protocol version");
      }
      version = ver == 3 ? RespVersion.RESP3 : RespVersion.RESP2;
      i = 2;
    }
    String user = null;
    String pass = null;
    String setName = null;
    for (; i < ctx.argc(); i++) {
      boolean more = i + 1 < ctx.argc();
      if (ctx.argIs(i, AUTH) && i + 2 < ctx.argc()) {
        user = ctx.request().string(i + 1);
        pass = ctx.request().string(i + 2);
        i += 2;
      } else if (ctx.argIs(i, SETNAME) && more) {
        setName = ctx.request().string(i + 1);
        i++;
      } else {
        throw new CommandException("ERR Syntax error in HELLO option '" + ctx.request().string(i) + "'");
      }
    }
    if (user != null) {
      if (!checkPassword(node, user, pass)) {
        throw new CommandException(Errors.WRONGPASS);
      }
      c.setAuthenticated(true);
    }
    if (!c.authenticated()) {
      throw new CommandException(HELLO_NOAUTH);
    }
    if (setName != null) {
      checkName(setName, BAD_CLIENT_NAME);
      c.setClientName(setName);
    }
    c.setResp(version);
    ctx.replyMapHeader(7);
    ctx.replyBulk("server");
    ctx.replyBulk("redis");
    ctx.replyBulk("version");
    ctx.replyBulk(Node.REDIS_COMPATIBLE_VERSION);
    ctx.replyBulk("proto");
    ctx.replyInteger(version.number());
    ctx.replyBulk("id");
    ctx.replyInteger(c.clientId());
    ctx.replyBulk("mode");
    ctx.replyBulk("standalone");
    ctx.replyBulk("role");
    ctx.replyBulk("master");
    ctx.replyBulk("modules");
    ctx.replyArrayHeader(0);
  }

  private static void auth(CommandContext ctx) {
    Node node = conn(ctx).server();
    String user = ctx.argc() == 3 ? ctx.request().string(1) : "default";
    String pass = ctx.request().string(ctx.argc() - 1);
    if (ctx.argc() > 3) {
      throw new CommandException(Errors.SYNTAX);
    }
    if (ctx.argc() == 2 && node.config().requirepass().isEmpty()) {
      throw new CommandException(NO_PASSWORD_CONFIGURED);
    }
    if (!checkPassword(node, user, pass)) {
      throw new CommandException(Errors.WRONGPASS);
    }
    ctx.session().setAuthenticated(true);
    ctx.replyOk();
  }

  /** The only user is "default"; with no requirepass it accepts any password, as Redis's nopass user. */
  private static boolean checkPassword(Node node, String user, String pass) {
    if (!user.equals("default")) {
      return false;
    }
    String required = node.config().requirepass();
    return required.isEmpty() || java.security.MessageDigest.isEqual(
        required.getBytes(java.nio.charset.StandardCharsets.UTF_8), pass.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static void checkName(String name, String error) {
    for (int i = 0; i < name.length(); i++) {
      char ch = name.charAt(i);
      if (ch < '!' || ch > '~') {
        throw new CommandException(error);
      }
    }
  }

  private static void clientSetinfo(CommandContext ctx) {
    String attr = ctx.request().string(2).toLowerCase(Locale.ROOT);
    String value = ctx.request().string(3);
    if (!attr.equals("lib-name") && !attr.equals("lib-ver")) {
      throw new CommandException("ERR Unrecognized option '" + ctx.request().string(2) + "'");
    }
    checkName(value, "ERR " + attr + " cannot contain spaces, newlines or special characters.");
    ctx.session().attributes().put(attr, value);
    ctx.replyOk();
  }

  private static void clientList(CommandContext ctx) {
    ClientConnection self = conn(ctx);
    String type = null;
    List<Long> ids = null;
    for (int i = 2; i < ctx.argc(); i++) {
      String opt = ctx.argUpper(i);
      if (opt.equals("TYPE") && i + 1 < ctx.argc()) {
        type = ctx.request().string(++i).toLowerCase(Locale.ROOT);
        if (!List.of("normal", "master", "replica", "slave", "pubsub").contains(type)) {
          throw new CommandException("ERR Unknown client type '" + ctx.request().string(i) + "'");
        }
      } else if (opt.equals("ID") && i + 1 < ctx.argc()) {
        ids = new ArrayList<>();
        for (i++; i < ctx.argc(); i++) {
          long id;
          try {
            id = ctx.argLong(i);
          } catch (CommandException e) {
            throw new CommandException("ERR Invalid client ID");
          }
          if (id <= 0) {
            throw new CommandException("ERR Invalid client ID");
          }
          ids.add(id);
        }
      } else {
        throw new CommandException(Errors.SYNTAX);
      }
    }
    StringBuilder sb = new StringBuilder();
    for (ClientConnection c : self.server().clients().values()) {
      if (ids != null && !ids.contains(c.clientId())) {
        continue;
      }
      if (type != null && !type.equals(c.subscriptionCount() > 0 ? "pubsub" : "normal")) {
        continue;
      }
      sb.append(c.describe()).append('\n');
    }
    self.replyVerbatim(sb.toString());
  }

  private static void clientKill(CommandContext ctx) {
    ClientConnection self = conn(ctx);
    Node node = self.server();
    if (ctx.argc() == 3) {
      String addr = ctx.request().string(2);
      for (ClientConnection c : node.clients().values()) {
        // A client already closed stays in the map until its channel is deregistered: as in
        // Redis, where it is gone before the next command, it is no longer there to kill.
        if (c.peer().equals(addr) && !c.isClosed()) {
          kill(self, c);
          ctx.replyOk();
          return;
        }
      }
      throw new CommandException("ERR No such client");
    }
    if ((ctx.argc() - 2) % 2 != 0) {
      throw new CommandException(Errors.SYNTAX);
    }
    Long id = null;
    String addr = null;
    String laddr = null;
    String type = null;
    String user = null;
    boolean skipMe = true;
    for (int i = 2; i < ctx.argc(); i += 2) {
      String opt = ctx.argUpper(i);
      String val = ctx.request().string(i + 1);
      switch (opt) {
        case "ID" -> {
          try {
            id = ctx.argLong(i + 1);
          } catch (CommandException e) {
            throw new CommandException("ERR client-id should be greater than 0");
          }
          if (id <= 0) {
            throw new CommandException("ERR client-id should be greater than 0");
          }
        }
        case "ADDR" -> addr = val;
        case "LADDR" -> laddr = val;
        case "USER" -> user = val;
        case "TYPE" -> {
          type = val.toLowerCase(Locale.ROOT);
          if (!List.of("normal", "master", "replica", "slave", "pubsub").contains(type)) {
            throw new CommandException("ERR Unknown client type '" + val + "'");
          }
        }
        case "SKIPME" -> {
          if (val.equalsIgnoreCase("yes")) {
            skipMe = true;
          } else if (val.equalsIgnoreCase("no")) {
            skipMe = false;
          } else {
            throw new CommandException(Errors.SYNTAX);
          }
        }
        default -> throw new CommandException(Errors.SYNTAX);
      }
    }
    long killed = 0;
    for (ClientConnection c : List.copyOf(node.clients().values())) {
      if ((id != null && c.clientId() != id) || (addr != null && !c.peer().equals(addr))
          || (laddr != null && !c.localAddress().equals(laddr))
          || (type != null && !type.equals(c.subscriptionCount() > 0 ? "pubsub" : "normal"))
          || (user != null && !user.equals("default")) || (skipMe && c == self)) {
        continue;
      }
      kill(self, c);
      killed++;
    }
    ctx.replyInteger(killed);
  }

  private static void kill(ClientConnection self, ClientConnection victim) {
    if (victim == self) {
      self.closeAfterReply();
    } else {
      victim.close();
    }
  }

  /** Redis's HELP reply: "<CMD> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", the lines, then HELP. */
  static void help(CommandContext ctx, String container, String... lines) {
    List<String> out = new ArrayList<>();
    out.add(container + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    out.addAll(List.of(lines));
    out.add("HELP");
    out.add("    Print this help.");
    ctx.replyArrayHeader(out.size());
    for (String l : out) {
      ctx.replySimple(l);
    }
  }
}
