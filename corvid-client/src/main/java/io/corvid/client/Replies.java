package io.corvid.client;

import io.corvid.resp.RespValue;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Decodes replies into Java values, the same way under RESP2 and RESP3. */
final class Replies {
  private Replies() {}

  static byte[] bytes(RespValue v) {
    if (v instanceof RespValue.Null) {
      return null;
    }
    if (v instanceof RespValue.Bulk) {
      return ((RespValue.Bulk) v).bytes();
    }
    if (v instanceof RespValue.SimpleString) {
      return ((RespValue.SimpleString) v).text().getBytes(StandardCharsets.UTF_8);
    }
    if (v instanceof RespValue.Verbatim) {
      return ((RespValue.Verbatim) v).bytes();
    }
    throw unexpected("a string", v);
  }

  static String utf8(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  static String text(RespValue v) {
    return utf8(bytes(v));
  }

  /** SET's reply: OK, or null when NX or XX kept it from storing. */
  static boolean stored(RespValue v) {
    return !(v instanceof RespValue.Null);
  }

  static long integer(RespValue v) {
    if (v instanceof RespValue.Int) {
      return ((RespValue.Int) v).value();
    }
    throw unexpected("an integer", v);
  }

  static List<RespValue> list(RespValue v) {
    if (v instanceof RespValue.Array) {
      return ((RespValue.Array) v).elements();
    }
    if (v instanceof RespValue.SetValue) {
      return ((RespValue.SetValue) v).elements();
    }
    if (v instanceof RespValue.Null) {
      return List.of();
    }
    throw unexpected("an array", v);
  }

  /** HGETALL's reply: a RESP3 map, or RESP2's flat field/value array. */
  static Map<String, byte[]> fieldMap(RespValue v) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    if (v instanceof RespValue.MapValue) {
      for (RespValue.Entry e : ((RespValue.MapValue) v).entries()) {
        out.put(text(e.key()), bytes(e.value()));
      }
      return out;
    }
    List<RespValue> flat = list(v);
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      out.put(text(flat.get(i)), bytes(flat.get(i + 1)));
    }
    return out;
  }

  private static CorvidException unexpected(String wanted, RespValue got) {
    return new CorvidException("expected " + wanted + " reply, got " + got);
  }
}
