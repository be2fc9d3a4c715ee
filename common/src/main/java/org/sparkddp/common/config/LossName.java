package org.sparkddp.common.config;

import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The losses {@code model.output.loss} accepts, each with the output activation it is defined for and the kind of
 * targets it trains on.
 */
public enum LossName implements ConfigChoice {
    /** Mean squared error, for regression with any number of outputs (usually an identity output). */
    MSE(LossFunction.MSE, null, false),
    /** Binary cross-entropy: each output is an independent probability, so it needs a sigmoid output. */
    BINARY_CROSS_ENTROPY(LossFunction.XENT, ActivationName.SIGMOID, false),
    /** Multiclass cross-entropy: one class per example, a softmax output. */
    CROSS_ENTROPY(LossFunction.MCXENT, ActivationName.SOFTMAX, true),
    /** KL divergence from the target distribution (one-hot for class labels) to a softmax output. */
    KL_DIVERGENCE(LossFunction.KL_DIVERGENCE, ActivationName.SOFTMAX, true);

    private final LossFunction dl4j;
    private final ActivationName requiredActivation;
    private final boolean classTargets;

    LossName(LossFunction dl4j, ActivationName requiredActivation, boolean classTargets) {
        this.dl4j = dl4j;
        this.requiredActivation = requiredActivation;
        this.classTargets = classTargets;
    }

    public LossFunction dl4j() {
        return dl4j;
    }

    /** The output activation this loss is defined for, or null if any will do. */
    public ActivationName requiredActivation() {
        return requiredActivation;
    }

    /** Whether the targets are class indices (one-hot encoded); otherwise they are real values, one per output. */
    public boolean classTargets() {
        return classTargets;
    }
}
