package org.sparkddp.common.config;

/** The optimizers {@code optimizer.name} accepts; each has its own section of hyper-parameters. */
public enum OptimizerName implements ConfigChoice {
    /** Plain minibatch SGD: {@code w -= lr * g}. */
    SGD,
    /** Classical (Polyak) momentum: {@code v = mu * v + lr * g; w -= v}. */
    MOMENTUM,
    /** Nesterov momentum (Sutskever et al. 2013), DL4J's {@code Nesterovs}. */
    NESTEROV,
    /** Duchi et al. 2011. */
    ADAGRAD,
    /** Tieleman and Hinton 2012, lecture 6.5. */
    RMSPROP,
    /** Kingma and Ba, "Adam: A Method for Stochastic Optimization", 2014. */
    ADAM;
}
