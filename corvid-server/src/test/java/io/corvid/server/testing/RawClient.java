package io.corvid.server.testing;

import io.corvid.resp.ProtocolException;
import io.corvid.resp.RespReader;
import io.corvid.resp.RespValue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A client on a plain socket, for protocol edge cases no real client library will produce:
 * arbitrary bytes out, replies parsed with {@link RespReader}, and a way to tell that the server
 * closed the connection.
 */
public final class RawClient implements AutoCloseable {
  private static final int READ_TIMEOUT_MILLIS = 10_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final RespReader reader = new RespReader();
  private final ByteBuf buffer = Unpooled.buffer();

  public RawClient(ServerProcess server) {
    this(server.host(), server.port());
  }

  public RawClient(String host, int port) {
    try {
      socket = new Socket(host, port);
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      socket.setTcpNoDelay(true);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Socket socket() {
    return socket;
  }

  public RawClient send(String raw) {
    return send(raw.getBytes(StandardCharsets.UTF_8));
  }

  public RawClient send(byte[] raw) {
    try {
      out.write(raw);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Sends a command as a RESP array of bulk strings. */
  public RawClient command(String... args) {
    return send(encode(args));
  }

  public static byte[] encode(String... args) {
    StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
    for (String a : args) {
      byte[] b = a.getBytes(StandardCharsets.UTF_8);
      sb.append('$').append(b.length).append("\r\n").append(a).append("\r\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Sends a command and reads its reply. */
  public RespValue call(String... args) {
    command(args);
    return read();
  }

  /** Reads the next reply; fails when the server closes first or nothing comes within the timeout. */
  public RespValue read() {
    try {
      while (true) {
        RespValue v = reader.read(buffer);
        if (v != null) {
          buffer.discardReadBytes();
          return v;
        }
        byte[] chunk = new byte[8192];
        int n = in.read(chunk);
        if (n < 0) {
          throw new IllegalStateException("server closed the connection");
        }
        buffer.writeBytes(chunk, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ProtocolException e) {
      throw new IllegalStateException("bad reply: " + e.getMessage());
    }
  }

  /** True when the server closes the connection within the timeout (replies before that are discarded). */
  public boolean closedByServer(long timeoutMillis) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    try {
      byte[] chunk = new byte[65536];
      long total = 0;
      while (System.currentTimeMillis() < deadline) {
        socket.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
        try {
          int n = in.read(chunk);
          if (n < 0) {
            return true;
          }
          total += n;
        } catch (SocketTimeoutException e) {
          System.err.println("closedByServer: timed out after " + total + " bytes");
          return false;
        }
      }
      return false;
    } catch (IOException e) {
      return true; // reset by peer
    } finally {
      try {
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      } catch (IOException ignored) {
        // closed
      }
    }
  }

  public static String text(RespValue v) {
    return switch (v) {
      case RespValue.SimpleString s -> s.text();
      case RespValue.Bulk b -> b.asString();
      case RespValue.ErrorReply e -> e.message();
      case RespValue.Verbatim t -> t.text();
      default -> String.valueOf(v);
    };
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
    buffer.release();
  }
}
