package io.corvid.storage.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FrequencySketchTest {

  @Test
  void countsUpToFifteenAndNeverUnderestimatesBeforeAReset() {
    FrequencySketch sketch = new FrequencySketch();
    sketch.ensureCapacity(1_000);
    for (int key = 0; key < 500; key++) {
      for (int i = 0; i < key % 20; i++) {
        sketch.increment(Traces.mix(key));
      }
    }
    for (int key = 0; key < 500; key++) {
      assertThat(sketch.frequency(Traces.mix(key))).as("key " + key).isGreaterThanOrEqualTo(Math.min(15, key % 20));
      assertThat(sketch.frequency(Traces.mix(key))).isLessThanOrEqualTo(15);
    }
  }

  @Test
  void theSketchAgesByHalvingAfterTheSample() {
    FrequencySketch sketch = new FrequencySketch();
    sketch.ensureCapacity(100);
    long hot = Traces.mix(42);
    for (int i = 0; i < 14; i++) {
      sketch.increment(hot);
    }
    assertThat(sketch.frequency(hot)).isEqualTo(14);
    // Fill the rest of the sample with distinct keys: the reset halves the hot key's count.
    long other = 1_000;
    while (sketch.frequency(hot) >= 14) {
      sketch.increment(Traces.mix(other++));
    }
    assertThat(other - 1_000).isLessThanOrEqualTo(sketch.sampleSize());
    assertThat(sketch.frequency(hot)).isEqualTo(7);
  }
}
