package io.corvid.bench.simulator;

/** The 64-bit key hash handed to the policies ({@code keyHash}): trace keys are longs. */
final class KeyHash {

  private KeyHash() {}

  /**
   * A bijective 64-bit finaliser (Stafford's "Mix13", the one SplitMix64 uses): every input bit
   * affects every output bit, so sequential block numbers spread over a frequency sketch.
   */
  static long mix(long x) {
    x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9L;
    x = (x ^ (x >>> 27)) * 0x94d049bb133111ebL;
    return x ^ (x >>> 31);
  }
}
