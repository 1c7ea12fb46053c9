package io.corvid.server.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.corvid.server.command.data.LongDoubles;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Expected values were produced by Redis 7.0.15 on x86-64 (INCRBYFLOAT on a key holding the first operand). */
class LongDoublesTest {

  static BigDecimal parse(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    return LongDoubles.parse(b, 0, b.length);
  }

  static String sum(String a, String b) {
    BigDecimal r = LongDoubles.add(parse(a), parse(b));
    return r == null ? null : LongDoubles.format(r);
  }

  @ParameterizedTest
  @CsvSource({
      "10.5, 0.1, 10.6",
      "1.1, 2.2, 3.3",
      "0.1, 0.2, 0.3",
      "3000, 1.5E-1, 3000.14999999999999991",
      "3.14159265358979323846, 0, 3.14159265358979324",
      "1e20, 1, 100000000000000000000",
      "-1e-18, 0, 0",
      "123456789.123456789, 0.000000001, 123456789.12345678999554366",
      "0, 0.1, 0.1",
      "0, 1e-17, 0.00000000000000001",
      "0, 5e-18, 0",
      "0, 1.5e-17, 0.00000000000000002",
      "0, 2.5e-17, 0.00000000000000002",
      "9007199254740993, 0, 9007199254740993",
      "18446744073709551617, 0, 18446744073709551616",
      "0, 0x10, 16",
      "0, 0x1.8p1, 3",
      "0, -0x10, -16",
      "0, 3e-4951, 0",
      "0, -2.5e-4950, 0",
      "-0.5, 0.5, 0",
      "1, 1e-30, 1",
  })
  void matchesRedis(String a, String b, String expected) {
    assertThat(sum(a, b)).isEqualTo(expected);
  }

  @Test
  void hugeValuesPrintInFull() {
    assertThat(sum("0", "1e400")).isEqualTo("10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880");
    assertThat(sum("0", "1e4932")).startsWith("1000000000000000000006018949387963891323837774254533114773785041352").hasSize(4933);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " 1", "1 ", "nan", "NaN", "-nan", "1e", "e5", ".", "1.5d", "1f", "0x", "0xg", "1e5000", "1.19e4932", "4e-4952", "1e-99999999", "1e99999999", "--1", "1,5"})
  void rejectsWhatStrtoldRejects(String s) {
    assertThat(parse(s)).isNull();
  }

  @Test
  void infinitiesParseButNeverSum() {
    assertThat(parse("inf")).isSameAs(LongDoubles.POSITIVE_INFINITY);
    assertThat(parse("-Infinity")).isSameAs(LongDoubles.NEGATIVE_INFINITY);
    assertThat(parse("+INF")).isSameAs(LongDoubles.POSITIVE_INFINITY);
    assertThat(sum("1", "inf")).isNull();
    assertThat(sum("inf", "-inf")).isNull();
    assertThat(sum("1.18e4932", "1.18e4932")).isNull(); // overflow in the sum
  }
}
