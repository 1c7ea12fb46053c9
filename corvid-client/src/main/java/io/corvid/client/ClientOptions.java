package io.corvid.client;

import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a {@link CorvidClient} can be told, each default a named constant. Immutable; build
 * with {@link #builder()}.
 */
public final class ClientOptions {
  /** How long opening a TCP connection may take. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** How long one command may wait for its reply, counted from when it was submitted. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(10);
  /** How long a call may spend retrying (redirects, TRYAGAIN, CLUSTERDOWN, lost connections). */
  public static final Duration DEFAULT_RETRY_TIMEOUT = Duration.ofSeconds(15);
  /** First reconnect delay; doubles per failed attempt up to {@link #DEFAULT_RECONNECT_MAX_DELAY}. */
  public static final Duration DEFAULT_RECONNECT_MIN_DELAY = Duration.ofMillis(50);
  public static final Duration DEFAULT_RECONNECT_MAX_DELAY = Duration.ofSeconds(5);
  /** Most commands queued for one node while it is disconnected; more fail at once. */
  public static final int DEFAULT_MAX_QUEUED_COMMANDS = 100_000;
  /** Periodic topology refresh in cluster mode. */
  public static final Duration DEFAULT_TOPOLOGY_REFRESH_PERIOD = Duration.ofSeconds(30);
  /** Least time between two refreshes triggered by redirects or lost connections. */
  public static final Duration DEFAULT_TOPOLOGY_REFRESH_MIN_INTERVAL = Duration.ofMillis(500);
  /** Most MOVED/ASK redirects one call follows before it fails. */
  public static final int DEFAULT_MAX_REDIRECTS = 5;

  private final Duration connectTimeout;
  private final Duration commandTimeout;
  private final Duration retryTimeout;
  private final Duration reconnectMinDelay;
  private final Duration reconnectMaxDelay;
  private final int maxQueuedCommands;
  private final Duration topologyRefreshPeriod;
  private final Duration topologyRefreshMinInterval;
  private final int maxRedirects;
  private final String username;
  private final String password;
  private final boolean resp3;
  private final String clientName;
  private final SslContext sslContext;

  private ClientOptions(Builder b) {
    connectTimeout = b.connectTimeout;
    commandTimeout = b.commandTimeout;
    retryTimeout = b.retryTimeout;
    reconnectMinDelay = b.reconnectMinDelay;
    reconnectMaxDelay = b.reconnectMaxDelay;
    maxQueuedCommands = b.maxQueuedCommands;
    topologyRefreshPeriod = b.topologyRefreshPeriod;
    topologyRefreshMinInterval = b.topologyRefreshMinInterval;
    maxRedirects = b.maxRedirects;
    username = b.username;
    password = b.password;
    resp3 = b.resp3;
    clientName = b.clientName;
    sslContext = b.sslContext;
  }

  public static ClientOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Duration connectTimeout() { return connectTimeout; }
  public Duration commandTimeout() { return commandTimeout; }
  public Duration retryTimeout() { return retryTimeout; }
  public Duration reconnectMinDelay() { return reconnectMinDelay; }
  public Duration reconnectMaxDelay() { return reconnectMaxDelay; }
  public int maxQueuedCommands() { return maxQueuedCommands; }
  public Duration topologyRefreshPeriod() { return topologyRefreshPeriod; }
  public Duration topologyRefreshMinInterval() { return topologyRefreshMinInterval; }
  public int maxRedirects() { return maxRedirects; }
  /** Null for the default user (AUTH password) or no authentication at all. */
  public String username() { return username; }
  /** Null for no authentication. */
  public String password() { return password; }
  /** Whether to ask for RESP3 with HELLO 3 (falls back to RESP2 when the server refuses). */
  public boolean resp3() { return resp3; }
  public String clientName() { return clientName; }
  /** Null for plain TCP. */
  public SslContext sslContext() { return sslContext; }

  public static final class Builder {
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private Duration retryTimeout = DEFAULT_RETRY_TIMEOUT;
    private Duration reconnectMinDelay = DEFAULT_RECONNECT_MIN_DELAY;
    private Duration reconnectMaxDelay = DEFAULT_RECONNECT_MAX_DELAY;
    private int maxQueuedCommands = DEFAULT_MAX_QUEUED_COMMANDS;
    private Duration topologyRefreshPeriod = DEFAULT_TOPOLOGY_REFRESH_PERIOD;
    private Duration topologyRefreshMinInterval = DEFAULT_TOPOLOGY_REFRESH_MIN_INTERVAL;
    private int maxRedirects = DEFAULT_MAX_REDIRECTS;
    private String username;
    private String password;
    private boolean resp3 = true;
    private String clientName;
    private SslContext sslContext;

    private Builder() {}

    public Builder connectTimeout(Duration d) { connectTimeout = positive(d, "connectTimeout"); return this; }
    public Builder commandTimeout(Duration d) { commandTimeout = positive(d, "commandTimeout"); return this; }
    public Builder retryTimeout(Duration d) { retryTimeout = Objects.requireNonNull(d); return this; }
    public Builder reconnectDelay(Duration min, Duration max) {
      reconnectMinDelay = positive(min, "reconnect min delay");
      reconnectMaxDelay = positive(max, "reconnect max delay");
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException("reconnect max delay < min delay");
      }
      return this;
    }
    public Builder maxQueuedCommands(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxQueuedCommands must be at least 1");
      }
      maxQueuedCommands = n;
      return this;
    }
    public Builder topologyRefreshPeriod(Duration d) { topologyRefreshPeriod = positive(d, "topologyRefreshPeriod"); return this; }
    public Builder topologyRefreshMinInterval(Duration d) { topologyRefreshMinInterval = Objects.requireNonNull(d); return this; }
    public Builder maxRedirects(int n) { maxRedirects = n; return this; }
    /** AUTH password (the default user). */
    public Builder password(String password) { this.username = null; this.password = password; return this; }
    /** AUTH username password (an ACL user). */
    public Builder credentials(String username, String password) {
      this.username = Objects.requireNonNull(username);
      this.password = Objects.requireNonNull(password);
      return this;
    }
    public Builder resp3(boolean resp3) { this.resp3 = resp3; return this; }
    public Builder clientName(String name) { clientName = name; return this; }
    /** TLS with Netty's SslHandler, e.g. {@code SslContextBuilder.forClient().trustManager(caFile).build()}. */
    public Builder ssl(SslContext context) { sslContext = context; return this; }

    public ClientOptions build() {
      return new ClientOptions(this);
    }

    private static Duration positive(Duration d, String what) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive");
      }
      return d;
    }
  }
}
