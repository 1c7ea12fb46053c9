package io.corvid.resp;

import io.netty.buffer.ByteBuf;

/**
 * Parses client requests, RESP arrays of bulk strings or inline lines, from a connection's
 * inbound bytes. One parser per connection; it keeps its state between calls, so a request may
 * arrive one byte at a time.
 */
public final class RequestParser {
  private final RespLimits limits;

  public RequestParser(RespLimits limits) {
    this.limits = limits;
  }

  public RespLimits limits() {
    return limits;
  }

  /**
   * Consumes bytes from {@code in} until one request is complete or the input runs out.
   *
   * @return true when {@code out} now holds a whole request; false when more bytes are needed
   *     (everything readable was consumed or is kept for the next call)
   * @throws ProtocolException when the input is not a valid request or exceeds a limit
   */
  public boolean parse(ByteBuf in, Request out) throws ProtocolException {
    throw new UnsupportedOperationException("not yet implemented");
  }
}
