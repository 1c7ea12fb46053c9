package io.corvid.bench.simulator;

/** Receives a trace's requests in order, as a reader decodes them. */
@FunctionalInterface
interface RequestSink {

  /** One request for {@code key}; {@code weight} is 1 except in weighted traces. */
  void accept(long key, int weight);
}
