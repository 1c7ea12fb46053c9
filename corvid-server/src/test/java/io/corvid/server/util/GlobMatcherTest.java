package io.corvid.server.util;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GlobMatcherTest {

  private static boolean m(String p, String s) {
    return GlobMatcher.matches(p, s, false);
  }

  @Test
  void starsAndQuestionMarks() {
    // As stringmatchlen: a pattern never matches the empty string (KEYS special-cases "*").
    assertThat(m("*", "")).isFalse();
    assertThat(m("*", "anything")).isTrue();
    assertThat(m("h?llo", "hello")).isTrue();
    assertThat(m("h?llo", "hllo")).isFalse();
    assertThat(m("h*llo", "hllo")).isTrue();
    assertThat(m("h*llo", "heeeello")).isTrue();
    assertThat(m("news.*", "news.art")).isTrue();
    assertThat(m("news.*", "new.art")).isFalse();
    assertThat(m("a*b*c", "axxbyyc")).isTrue();
    assertThat(m("a*b*c", "axxbyy")).isFalse();
    assertThat(m("", "")).isTrue();
    assertThat(m("", "a")).isFalse();
    assertThat(m("a**", "a")).isTrue();
  }

  @Test
  void classes() {
    assertThat(m("h[ae]llo", "hello")).isTrue();
    assertThat(m("h[ae]llo", "hallo")).isTrue();
    assertThat(m("h[ae]llo", "hillo")).isFalse();
    assertThat(m("h[^e]llo", "hallo")).isTrue();
    assertThat(m("h[^e]llo", "hello")).isFalse();
    assertThat(m("h[a-b]llo", "hbllo")).isTrue();
    assertThat(m("h[b-a]llo", "hallo")).isTrue();
    assertThat(m("h[a-b]llo", "hcllo")).isFalse();
    assertThat(m("[\\]]", "]")).isTrue();
    // An unterminated class ends at the end of the pattern, as in Redis.
    assertThat(m("[ab", "a")).isTrue();
    assertThat(m("[ab", "c")).isFalse();
  }

  @Test
  void escapes() {
    assertThat(m("h\\*llo", "h*llo")).isTrue();
    assertThat(m("h\\*llo", "hello")).isFalse();
    assertThat(m("a\\", "a\\")).isTrue();
  }

  @Test
  void noCase() {
    assertThat(GlobMatcher.matches("HEL*", "hello", true)).isTrue();
    assertThat(GlobMatcher.matches("HEL*", "hello", false)).isFalse();
    assertThat(GlobMatcher.matches("[A-C]x", "bX", true)).isTrue();
  }

  @Test
  void slicesOfLargerArrays() {
    byte[] p = "xx*yy".getBytes();
    byte[] s = "--foo-bar--".getBytes();
    assertThat(GlobMatcher.matches(p, 2, 1, s, 2, 7, false)).isTrue();
    assertThat(GlobMatcher.matches(p, 0, 3, s, 0, 11, false)).isFalse();
  }

  @Test
  void hostilePatternFinishesQuickly() {
    String pattern = "a*".repeat(40) + "b";
    String string = "a".repeat(200);
    long start = System.nanoTime();
    assertThat(m(pattern, string)).isFalse();
    assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
  }

  @Test
  void literalDetection() {
    assertThat(GlobMatcher.isLiteral("news".getBytes())).isTrue();
    assertThat(GlobMatcher.isLiteral("news.*".getBytes())).isFalse();
  }
}
