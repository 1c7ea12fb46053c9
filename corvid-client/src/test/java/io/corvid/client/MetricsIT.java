package io.corvid.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.client.codec.Codecs;
import io.corvid.client.metrics.CorvidMetrics;
import io.corvid.server.testing.ServerProcess;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsIT {
  @Test
  void cacheCountersReachMicrometer() {
    try (ServerProcess corvid = ServerProcess.start();
        CorvidClient client = CorvidClient.connect(corvid.host() + ":" + corvid.port())) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      CorvidCache<String, String> cache = client.cache(CacheOptions.of("m", Codecs.string(), Codecs.string()));
      CorvidMetrics.bind(client, registry);
      CorvidMetrics.bind(cache, registry);
      cache.get("a", k -> {
        CacheIT.sleep(20);
        return "A";
      });
      cache.get("a", k -> "never");
      cache.get("b");
      assertThat(registry.get("corvid.cache.gets").tag("result", "hit").functionCounter().count()).isEqualTo(1);
      assertThat(registry.get("corvid.cache.gets").tag("result", "miss").functionCounter().count()).isEqualTo(2);
      FunctionTimer loads = registry.get("corvid.cache.loads").tag("cache", "m").functionTimer();
      assertThat(loads.count()).isEqualTo(1);
      assertThat(loads.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(20);
      assertThat(registry.get("corvid.client.redirects").functionCounter().count()).isZero();
    }
  }
}
