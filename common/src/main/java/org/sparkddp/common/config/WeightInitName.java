package org.sparkddp.common.config;

/** The weight initializations {@code model.weight-init} accepts. */
public enum WeightInitName implements ConfigChoice {
    /** Glorot and Bengio 2010: normal with variance 2 / (fan-in + fan-out). */
    XAVIER("xavier"),
    /** He et al. 2015: normal with variance 2 / fan-in, for ReLU networks. */
    HE("he"),
    /** Normal with mean 0 and standard deviation {@code model.weight-init-std} (1 by default). */
    NORMAL("normal");

    private final String configName;

    WeightInitName(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }
}
