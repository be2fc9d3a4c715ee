package org.sparkddp.common.config;

/** Which code computes each worker's forward and backward pass; see {@code training.engine} in defaults.conf. */
public enum EngineKind implements ConfigChoice {
    /**
     * The CPU engine (BLAS on native buffers) where it covers every layer of the network, else DL4J, with one log
     * line naming what it does not cover.
     */
    AUTO,
    /** DL4J's own layers, always: the reference, and the path for backends the engine does not run on (CUDA). */
    DL4J;
}
