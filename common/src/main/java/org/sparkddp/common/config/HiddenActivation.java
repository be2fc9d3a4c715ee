package org.sparkddp.common.config;

import org.nd4j.linalg.activations.Activation;

/** The activations {@code model.activation} accepts for hidden layers, with their DL4J counterparts. */
public enum HiddenActivation implements ConfigChoice {
    RELU("relu", Activation.RELU),
    LEAKY_RELU("leaky-relu", Activation.LEAKYRELU),
    ELU("elu", Activation.ELU),
    TANH("tanh", Activation.TANH),
    SIGMOID("sigmoid", Activation.SIGMOID),
    IDENTITY("identity", Activation.IDENTITY);

    private final String configName;
    private final Activation dl4j;

    HiddenActivation(String configName, Activation dl4j) {
        this.configName = configName;
        this.dl4j = dl4j;
    }

    @Override
    public String configName() {
        return configName;
    }

    public Activation dl4j() {
        return dl4j;
    }
}
