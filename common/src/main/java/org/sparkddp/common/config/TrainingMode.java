package org.sparkddp.common.config;

/** How workers combine their work; see {@code training.mode} in defaults.conf. */
public enum TrainingMode implements ConfigChoice {
    /** Sum the workers' gradients every iteration and apply one optimizer step: single-machine SGD, distributed. */
    SYNC,
    /**
     * Each worker takes {@code training.average-every} local optimizer steps, then parameters and optimizer state
     * are averaged across workers (weighted by examples seen).
     */
    AVERAGE;
}
