package io.corvid.client.cluster;

import io.corvid.client.connection.HostAndPort;
import io.corvid.resp.RespValue;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a slot map out of {@code CLUSTER SHARDS} (Redis 7+, and Corvid) or {@code CLUSTER SLOTS}
 * (older servers), in either protocol: RESP3 maps or RESP2 flat key/value arrays.
 *
 * <p>A shard's primary is its node with {@code role master}; its address is {@code endpoint}
 * unless that is empty or {@code ?} (unknown), then {@code ip}. When the endpoint is unknown, and
 * for a node that reports no address, the address the reply came from is used, as Redis's own
 * clients do.
 */
public final class TopologyParser {
  private TopologyParser() {}

  public static SlotMap parseShards(RespValue reply, HostAndPort from) {
    SlotMap map = new SlotMap();
    for (RespValue shardValue : elements(reply)) {
      Map<String, RespValue> shard = fields(shardValue);
      HostAndPort primary = null;
      for (RespValue nodeValue : elements(shard.get("nodes"))) {
        Map<String, RespValue> node = fields(nodeValue);
        if (!"master".equals(text(node.get("role")))) {
          continue;
        }
        String health = text(node.get("health"));
        if (health != null && !health.equals("online") && primary != null) {
          continue;
        }
        String host = text(node.get("endpoint"));
        if (host == null || host.isEmpty() || host.equals("?")) {
          host = text(node.get("ip"));
        }
        if (host == null || host.isEmpty() || host.equals("?")) {
          host = from.host();
        }
        RespValue port = node.get("port");
        if (port == null) {
          port = node.get("tls-port");
        }
        primary = new HostAndPort(host, (int) number(port));
      }
      if (primary == null) {
        continue; // a shard without a primary serves nothing until failover ends
      }
      List<RespValue> slots = elements(shard.get("slots"));
      for (int i = 0; i + 1 < slots.size(); i += 2) {
        map.assign((int) number(slots.get(i)), (int) number(slots.get(i + 1)), primary);
      }
    }
    return map;
  }

  public static SlotMap parseSlots(RespValue reply, HostAndPort from) {
    SlotMap map = new SlotMap();
    for (RespValue rangeValue : elements(reply)) {
      List<RespValue> range = elements(rangeValue);
      List<RespValue> primary = elements(range.get(2));
      String host = text(primary.get(0));
      if (host == null || host.isEmpty() || host.equals("?")) {
        host = from.host();
      }
      map.assign((int) number(range.get(0)), (int) number(range.get(1)),
          new HostAndPort(host, (int) number(primary.get(1))));
    }
    return map;
  }

  private static List<RespValue> elements(RespValue v) {
    if (v instanceof RespValue.Array) {
      return ((RespValue.Array) v).elements();
    }
    if (v instanceof RespValue.SetValue) {
      return ((RespValue.SetValue) v).elements();
    }
    if (v == null || v instanceof RespValue.Null) {
      return List.of();
    }
    throw new IllegalArgumentException("expected an array in the topology reply, got " + v);
  }

  private static Map<String, RespValue> fields(RespValue v) {
    Map<String, RespValue> out = new HashMap<>();
    if (v instanceof RespValue.MapValue) {
      for (RespValue.Entry e : ((RespValue.MapValue) v).entries()) {
        out.put(text(e.key()), e.value());
      }
      return out;
    }
    List<RespValue> flat = elements(v);
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      out.put(text(flat.get(i)), flat.get(i + 1));
    }
    return out;
  }

  static String text(RespValue v) {
    if (v instanceof RespValue.Bulk) {
      return ((RespValue.Bulk) v).asString();
    }
    if (v instanceof RespValue.SimpleString) {
      return ((RespValue.SimpleString) v).text();
    }
    if (v instanceof RespValue.Verbatim) {
      return ((RespValue.Verbatim) v).text();
    }
    return null;
  }

  private static long number(RespValue v) {
    if (v instanceof RespValue.Int) {
      return ((RespValue.Int) v).value();
    }
    String t = text(v);
    if (t == null) {
      throw new IllegalArgumentException("expected a number in the topology reply, got " + v);
    }
    return Long.parseLong(t);
  }
}
