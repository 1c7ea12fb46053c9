package io.corvid.server.command;

/**
 * A connection's state as commands see it. Implemented by the server's connection handler.
 * Fields that only the connection layer needs are not exposed here.
 */
public interface Session {
  long clientId();

  String clientName();

  void setClientName(String name);

  boolean authenticated();

  void setAuthenticated(boolean authenticated);

  void setResp(io.corvid.resp.RespVersion version);

  /** Arbitrary per-connection attributes (lib-name, lib-ver, tracking state, ...). */
  java.util.Map<String, String> attributes();

  /** Closes the connection after the current replies are written (QUIT, CLIENT KILL). */
  void closeAfterReply();

  /** Cluster mode: READONLY was sent (reads of slots this node replicates are served here). */
  boolean readonlyMode();

  void setReadonlyMode(boolean readonly);

  /** Cluster mode: ASKING was sent, for the next command only. */
  boolean asking();

  void setAsking(boolean asking);
}
