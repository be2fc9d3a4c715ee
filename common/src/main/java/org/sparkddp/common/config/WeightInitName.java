package org.sparkddp.common.config;

/** The weight initializations {@code model.weight-init} accepts. */
public enum WeightInitName implements ConfigChoice {
    /** Glorot and Bengio 2010: normal with variance 2 / (fan-in + fan-out). */
    XAVIER,
    /** He et al. 2015: normal with variance 2 / fan-in, for ReLU networks. */
    HE,
    /** Normal with mean 0 and standard deviation {@code model.weight-init-std} (1 by default). */
    NORMAL;
}
