package io.corvid.server.commands;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes one RESP2/RESP3 reply for assertions: simple and bulk strings as String, integers as
 * Long, arrays and sets as List, maps as LinkedHashMap, doubles as Double, nulls as null, errors
 * as {@link Err}. Fails when bytes are left over or missing.
 */
final class RespDecoder {
  record Err(String message) {}

  private final byte[] b;
  private int p;

  private RespDecoder(byte[] b) {
    this.b = b;
  }

  static Object decodeOne(byte[] reply) {
    RespDecoder d = new RespDecoder(reply);
    Object v = d.read();
    if (d.p != reply.length) {
      throw new AssertionError("trailing bytes after reply: " + new String(reply, StandardCharsets.UTF_8));
    }
    return v;
  }

  private String line() {
    int start = p;
    while (!(b[p] == '\r' && b[p + 1] == '\n')) {
      p++;
    }
    String s = new String(b, start, p - start, StandardCharsets.UTF_8);
    p += 2;
    return s;
  }

  private Object read() {
    byte t = b[p++];
    String line = line();
    switch (t) {
      case '+':
        return line;
      case '-':
        return new Err(line);
      case ':':
        return Long.parseLong(line);
      case ',':
        return Double.parseDouble(line);
      case '_':
        return null;
      case '#':
        return line.equals("t");
      case '$': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        String s = new String(b, p, n, StandardCharsets.UTF_8);
        p += n;
        if (b[p] != '\r' || b[p + 1] != '\n') {
          throw new AssertionError("bulk not terminated by CRLF");
        }
        p += 2;
        return s;
      }
      case '*':
      case '~': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          list.add(read());
        }
        return list;
      }
      case '%': {
        int n = Integer.parseInt(line);
        Map<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
          map.put(read(), read());
        }
        return map;
      }
      default:
        throw new AssertionError("unknown RESP type " + (char) t);
    }
  }
}
