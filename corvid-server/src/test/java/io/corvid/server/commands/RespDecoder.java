package io.corvid.server.commands;

import io.corvid.resp.ProtocolException;
import io.corvid.resp.RespReader;
import io.corvid.resp.RespValue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes one reply with the RESP module's {@link RespReader} into plain Java values for
 * assertions: simple and bulk strings as String, integers as Long, arrays and sets as List, maps
 * as LinkedHashMap, doubles as Double, booleans as Boolean, nulls as null, errors as
 * {@link Err}. Fails when the reply is incomplete or bytes are left over.
 */
final class RespDecoder {
  record Err(String message) {}

  private RespDecoder() {}

  static Object decodeOne(byte[] reply) {
    ByteBuf in = Unpooled.wrappedBuffer(reply);
    try {
      RespValue v = new RespReader().read(in);
      if (v == null) {
        throw new AssertionError("incomplete reply: " + new String(reply, java.nio.charset.StandardCharsets.UTF_8));
      }
      if (in.isReadable()) {
        throw new AssertionError("trailing bytes after reply: " + new String(reply, java.nio.charset.StandardCharsets.UTF_8));
      }
      return plain(v);
    } catch (ProtocolException e) {
      throw new AssertionError("malformed reply", e);
    } finally {
      in.release();
    }
  }

  static Object plain(RespValue v) {
    return switch (v) {
      case RespValue.SimpleString s -> s.text();
      case RespValue.ErrorReply e -> new Err(e.message());
      case RespValue.Int i -> i.value();
      case RespValue.Bulk b -> b.asString();
      case RespValue.Null n -> null;
      case RespValue.Array a -> plainList(a.elements());
      case RespValue.SetValue s -> plainList(s.elements());
      case RespValue.Push p -> plainList(p.elements());
      case RespValue.MapValue m -> {
        Map<Object, Object> map = new LinkedHashMap<>();
        for (RespValue.Entry e : m.entries()) {
          map.put(plain(e.key()), plain(e.value()));
        }
        yield map;
      }
      case RespValue.DoubleValue d -> d.value();
      case RespValue.Bool b -> b.value();
      default -> throw new AssertionError("unexpected reply type " + v);
    };
  }

  private static List<Object> plainList(List<RespValue> elements) {
    List<Object> out = new ArrayList<>();
    for (RespValue e : elements) {
      out.add(plain(e));
    }
    return out;
  }
}
