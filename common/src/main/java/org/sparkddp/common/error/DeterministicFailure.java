package org.sparkddp.common.error;

/**
 * Marks a failure that would happen again on the same input, whatever executor runs it: a bad input, a model too
 * large for the memory it was given, a state that no executor holds any more. The driver never retries a stage that
 * failed with one (it would only fail again, an attempt later); it ends the run with the failure's one line.
 */
public interface DeterministicFailure {
}
