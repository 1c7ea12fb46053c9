package io.corvid.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FormatDoubleTest {
  @Test
  void formatsAsRedisDoes() {
    assertThat(ClientConnection.formatDouble(3)).isEqualTo("3");
    assertThat(ClientConnection.formatDouble(-2.5)).isEqualTo("-2.5");
    assertThat(ClientConnection.formatDouble(0.1)).isEqualTo("0.1");
    assertThat(ClientConnection.formatDouble(1.5e20)).isEqualTo("1.5e+20");
    assertThat(ClientConnection.formatDouble(1e20)).isEqualTo("1e+20");
    assertThat(ClientConnection.formatDouble(1.25e-7)).isEqualTo("1.25e-7");
    assertThat(ClientConnection.formatDouble(Double.POSITIVE_INFINITY)).isEqualTo("inf");
    assertThat(ClientConnection.formatDouble(Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
    assertThat(ClientConnection.formatDouble(Double.NaN)).isEqualTo("nan");
    for (double d : new double[] {Math.PI, 1.0 / 3, 123456.789, 5e-324, Double.MAX_VALUE}) {
      assertThat(Double.parseDouble(ClientConnection.formatDouble(d))).isEqualTo(d);
    }
  }
}
