package io.corvid.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

/**
 * Proves the simulator can fail: a core with a deliberately broken rule must be caught, and the
 * reported seed must replay to the same violation at the same step.
 */
class SimulationCatchesBrokenRulesTest {
  /** Seeds tried before giving up on finding the planted bug. */
  static final int MAX_SEEDS = 60;

  static Simulation.Violation firstViolation(ClusterNode.BrokenRule rule) {
    for (long seed = 1; seed <= MAX_SEEDS; seed++) {
      try {
        new Simulation(seed, rule).run();
      } catch (Simulation.Violation v) {
        return v;
      }
    }
    return null;
  }

  void assertCaughtAndReplays(ClusterNode.BrokenRule rule, String expected) {
    Simulation.Violation v = firstViolation(rule);
    assertThat(v).as("a violation within %d seeds", MAX_SEEDS).isNotNull();
    assertThat(v.getMessage()).contains("seed " + v.seed).contains(expected);
    Simulation.Violation replay = catchThrowableOfType(Simulation.Violation.class,
        () -> new Simulation(v.seed, rule).run());
    assertThat(replay).isNotNull();
    assertThat(replay.getMessage()).isEqualTo(v.getMessage());
    assertThat(replay.step).isEqualTo(v.step);
    // And the same seed with the correct rules passes.
    new Simulation(v.seed).run();
  }

  @Test
  void decidingInAMinorityViewIsCaughtAsTwoTopologiesWithOneEpoch() {
    assertCaughtAndReplays(ClusterNode.BrokenRule.DECIDE_IN_MINORITY, "two different topologies with epoch");
  }
}
