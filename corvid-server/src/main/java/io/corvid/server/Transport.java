package io.corvid.server;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;

/**
 * The fastest Netty transport this machine offers: io_uring, then epoll, then NIO. The native
 * ones need their JNI library to load (Linux x86_64) and, for io_uring, a kernel that allows it.
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel) {

  /** Set the system property {@code corvid.transport} to nio, epoll or io_uring to force one. */
  public static final String FORCE_PROPERTY = "corvid.transport";

  public static Transport best() {
    String forced = System.getProperty(FORCE_PROPERTY, "");
    if ((forced.isEmpty() || forced.equals("io_uring")) && ioUringAvailable()) {
      return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class);
    }
    if ((forced.isEmpty() || forced.equals("epoll")) && epollAvailable()) {
      return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
    }
    return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
  }

  private static boolean ioUringAvailable() {
    try {
      return IoUring.isAvailable();
    } catch (Throwable t) {
      return false;
    }
  }

  private static boolean epollAvailable() {
    try {
      return Epoll.isAvailable();
    } catch (Throwable t) {
      return false;
    }
  }
}
