package io.corvid.client;

import io.corvid.resp.RespValue;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The commands, blocking: each method is its {@link AsyncCommands} twin followed by a wait.
 * Failures are thrown as they are ({@link ServerErrorException}, {@link CommandTimeoutException},
 * {@link ConnectionLostException}, ...), not wrapped. SyncCommandsParityTest checks that every
 * asynchronous method has a twin here with the same parameters.
 */
public final class SyncCommands {
  /** Added to the retry and command timeouts before a blocked caller gives up on its own. */
  static final long WAIT_SLACK_MILLIS = 1000;

  private final AsyncCommands async;
  private final long waitMillis;

  SyncCommands(AsyncCommands async, ClientOptions options) {
    this.async = async;
    this.waitMillis = options.retryTimeout().toMillis() + options.commandTimeout().toMillis() + WAIT_SLACK_MILLIS;
  }

  public String ping() { return await(async.ping()); }
  public byte[] get(byte[] key) { return await(async.get(key)); }
  public String get(String key) { return await(async.get(key)); }
  public Boolean set(byte[] key, byte[] value, SetArgs args) { return await(async.set(key, value, args)); }
  public Boolean set(byte[] key, byte[] value) { return await(async.set(key, value)); }
  public Boolean set(String key, String value) { return await(async.set(key, value)); }
  public List<byte[]> mget(List<byte[]> keys) { return await(async.mget(keys)); }
  public void mset(List<byte[]> keys, List<byte[]> values) { await(async.mset(keys, values)); }
  public Long del(byte[]... keys) { return await(async.del(keys)); }
  public Long del(String... keys) { return await(async.del(keys)); }
  public Long exists(byte[]... keys) { return await(async.exists(keys)); }
  public Boolean expire(byte[] key, Duration ttl) { return await(async.expire(key, ttl)); }
  public Long pttl(byte[] key) { return await(async.pttl(key)); }
  public Long incrBy(byte[] key, long delta) { return await(async.incrBy(key, delta)); }
  public Long incr(String key) { return await(async.incr(key)); }
  public byte[] hget(byte[] key, String field) { return await(async.hget(key, field)); }
  public Boolean hset(byte[] key, String field, byte[] value) { return await(async.hset(key, field, value)); }
  public Map<String, byte[]> hgetall(byte[] key) { return await(async.hgetall(key)); }
  public Long hdel(byte[] key, String... fields) { return await(async.hdel(key, fields)); }
  public Long publish(String channel, byte[] message) { return await(async.publish(channel, message)); }
  public RespValue command(byte[] routingKey, byte[]... args) { return await(async.command(routingKey, args)); }

  <T> T await(CompletableFuture<T> f) {
    return await(f, waitMillis);
  }

  static <T> T await(CompletableFuture<T> f, long waitMillis) {
    try {
      return f.get(waitMillis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw new CorvidException(String.valueOf(cause), cause);
    } catch (TimeoutException e) {
      throw new CommandTimeoutException("no result within " + waitMillis + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(false);
      throw new CorvidException("interrupted while waiting for a reply", e);
    }
  }
}
