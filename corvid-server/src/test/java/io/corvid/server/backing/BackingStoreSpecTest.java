package io.corvid.server.backing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.server.config.ConfigException;
import io.corvid.server.config.ServerConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackingStoreSpecTest {
  static final String BASE = "product: jdbc-url=jdbc:h2:mem:x table=products key-column=id ";

  @Test
  void parsesEveryOption() throws Exception {
    BackingStoreSpec s = BackingStoreSpec.parse(BASE + "value-column=payload mode=write-behind version-column=ver ttl=300"
        + " negative-ttl=5 pool-size=8 user=u password=secret");
    assertThat(s.prefix()).isEqualTo("product:");
    assertThat(s.valueColumns()).containsExactly("payload");
    assertThat(s.format()).isEqualTo(BackingStoreSpec.Format.STRING);
    assertThat(s.mode()).isEqualTo(BackingStoreSpec.Mode.WRITE_BEHIND);
    assertThat(s.ttlSeconds()).isEqualTo(300);
    assertThat(s.negativeTtlSeconds()).isEqualTo(5);
    assertThat(s.poolSize()).isEqualTo(8);
    assertThat(s.describe()).contains("password=***").doesNotContain("secret");
    BackingStoreSpec h = BackingStoreSpec.parse(BASE + "value-columns=a,b,c format=hash");
    assertThat(h.valueColumns()).containsExactly("a", "b", "c");
    assertThat(h.format()).isEqualTo(BackingStoreSpec.Format.HASH);
    assertThat(BackingStoreSpec.parse(BASE + "value-columns=a,b").format()).isEqualTo(BackingStoreSpec.Format.JSON);
    assertThat(BackingStoreSpec.parse(BASE + "value-column=v").mode()).isEqualTo(BackingStoreSpec.Mode.READ_THROUGH);
  }

  @Test
  void refusesBadDirectives() {
    for (String bad : List.of(
        "product:",
        "product: table=t key-column=id value-column=v",
        BASE,
        BASE + "value-column=v value-columns=a,b",
        BASE + "value-column=v mode=sometimes",
        BASE + "value-column=v mode=write-behind",
        BASE + "value-column=v pool-size=65",
        BASE + "value-column=v pool-size=0",
        BASE + "value-column=v ttl=-1",
        BASE + "value-column=v bogus=1",
        BASE + "value-column=v ttl=1 ttl=2",
        BASE + "value-column=id",
        BASE + "value-column=v version-column=v",
        BASE + "value-column=v invalidate=notify",
        BASE + "value-column=\"v; DROP TABLE x\"",
        BASE + "value-columns=a,a",
        BASE + "value-columns=a,b format=xml",
        "product: jdbc-url=h2 table=t key-column=id value-column=v")) {
      assertThatThrownBy(() -> BackingStoreSpec.parse(bad)).as(bad).isInstanceOf(ConfigException.class);
    }
    StringBuilder cols = new StringBuilder();
    for (int i = 0; i <= BackingStoreSpec.MAX_VALUE_COLUMNS; i++) {
      cols.append(i == 0 ? "" : ",").append("c").append(i);
    }
    assertThatThrownBy(() -> BackingStoreSpec.parse(BASE + "value-columns=" + cols)).hasMessageContaining("at most 64");
    String longPrefix = "p".repeat(BackingStoreSpec.MAX_PREFIX_BYTES + 1);
    assertThatThrownBy(() -> BackingStoreSpec.parse(longPrefix + " jdbc-url=jdbc:h2:mem:x table=t key-column=id value-column=v"))
        .hasMessageContaining("prefix");
  }

  @Test
  void configTakesSeveralStoresButNoOverlappingPrefixes() throws Exception {
    ServerConfig c = new ServerConfig();
    c.setAtStartup("backing-store", BASE + "value-column=v");
    c.setAtStartup("backing-store", "user: jdbc-url=jdbc:h2:mem:x table=users key-column=id value-column=v");
    c.setAtStartup("backing-store", "");
    assertThat(c.backingStores()).hasSize(2);
    assertThat(c.option("backing-store").get()).contains("product:").contains("user:");
    assertThatThrownBy(() -> c.setAtStartup("backing-store", "product:x jdbc-url=jdbc:h2:mem:x table=t key-column=id value-column=v"))
        .hasMessageContaining("overlaps");
    assertThatThrownBy(() -> c.setAtStartup("backing-store-fsync", "sometimes")).hasMessageContaining("always, everysec, no");
    assertThatThrownBy(() -> c.configSet(List.of("backing-store", BASE))).hasMessageContaining("immutable");
    c.configSet(List.of("backing-store-fsync", "always"));
    assertThat(c.backingStoreFsync()).isEqualTo("always");
  }
}
