package io.corvid.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DecimalSyntaxTest {
  @Test
  void acceptsPlainDecimals() {
    for (String s : new String[] {"0", "12", "1.5", ".5", "5.", "1e3", "1.5E-7", "2e+10"}) {
      assertThat(DecimalSyntax.isUnsignedDecimal(s, 0)).as(s).isTrue();
    }
    assertThat(DecimalSyntax.isUnsignedDecimal("-1.5", 1)).isTrue();
  }

  @Test
  void rejectsEverythingElse() {
    for (String s : new String[] {"", ".", "e3", "1e", "1e+", "-1", "+1", " 1", "1 ", "0x10", "inf", "nan", "1.2.3", "1e3.5", "١"}) {
      assertThat(DecimalSyntax.isUnsignedDecimal(s, 0)).as(s).isFalse();
    }
  }
}
