package io.corvid.server.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.server.command.CommandException;
import io.corvid.server.command.data.RedisIntegers;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisIntegersTest {

  static long parse(String s) {
    byte[] b = ("xx" + s + "yy").getBytes(StandardCharsets.US_ASCII); // a slice inside a bigger array
    return RedisIntegers.parse(b, 2, b.length - 4, "ERR bad");
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1, -1, 9, 10, -10, 123456789, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE + 1})
  void canonicalFormsRoundTrip(long v) {
    assertThat(parse(Long.toString(v))).isEqualTo(v);
    byte[] dst = new byte[RedisIntegers.MAX_LONG_CHARS];
    int n = RedisIntegers.format(v, dst);
    assertThat(new String(dst, 0, n, StandardCharsets.US_ASCII)).isEqualTo(Long.toString(v));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-", "+1", " 1", "1 ", "01", "-0", "00", "1.0", "1e3", "0x10", "9223372036854775808",
      "-9223372036854775809", "99999999999999999999", "123456789012345678901", "1a", "--1"})
  void everythingElseIsRejected(String s) {
    assertThatThrownBy(() -> parse(s)).isInstanceOf(CommandException.class).hasMessage("ERR bad");
  }
}
