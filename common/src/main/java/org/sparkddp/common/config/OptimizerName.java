package org.sparkddp.common.config;

/** The optimizers {@code optimizer.name} accepts. */
public enum OptimizerName implements ConfigChoice {
    SGD("sgd"),
    /** Kingma and Ba, "Adam: A Method for Stochastic Optimization", 2014; DL4J's default betas and epsilon. */
    ADAM("adam");

    private final String configName;

    OptimizerName(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }
}
