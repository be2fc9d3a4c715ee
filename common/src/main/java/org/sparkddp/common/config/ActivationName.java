package org.sparkddp.common.config;

import org.nd4j.linalg.activations.Activation;

/**
 * The activations a layer ({@code model.activation}, a layer's {@code activation}, {@code model.output.activation})
 * accepts, with their DL4J counterparts.
 *
 * <p>NOTE: PReLU (He et al. 2015, "Delving Deep into Rectifiers") has a learnable slope, so it is not an activation
 * function in DL4J but a layer with parameters; the network factory puts a {@code PReLULayer} after a layer whose
 * own activation is the identity.
 */
public enum ActivationName implements ConfigChoice {
    RELU(Activation.RELU),
    LEAKY_RELU(Activation.LEAKYRELU),
    ELU(Activation.ELU),
    PRELU(Activation.IDENTITY),
    TANH(Activation.TANH),
    SIGMOID(Activation.SIGMOID),
    SOFTMAX(Activation.SOFTMAX),
    IDENTITY(Activation.IDENTITY);

    private final Activation dl4j;

    ActivationName(Activation dl4j) {
        this.dl4j = dl4j;
    }

    /** The DL4J activation of the layer itself (the identity for PReLU, whose slope is a separate layer). */
    public Activation dl4j() {
        return dl4j;
    }

    /** Whether this activation has parameters of its own (PReLU's slopes). */
    public boolean learnable() {
        return this == PRELU;
    }
}
