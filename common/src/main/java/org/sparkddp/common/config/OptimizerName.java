package org.sparkddp.common.config;

/** The optimizers {@code optimizer.name} accepts; each has its own section of hyper-parameters. */
public enum OptimizerName implements ConfigChoice {
    /** Plain minibatch SGD: {@code w -= lr * g}. */
    SGD("sgd"),
    /** Classical (Polyak) momentum: {@code v = mu * v + lr * g; w -= v}. */
    MOMENTUM("momentum"),
    /** Nesterov momentum (Sutskever et al. 2013), DL4J's {@code Nesterovs}. */
    NESTEROV("nesterov"),
    /** Duchi et al. 2011. */
    ADAGRAD("adagrad"),
    /** Tieleman and Hinton 2012, lecture 6.5. */
    RMSPROP("rmsprop"),
    /** Kingma and Ba, "Adam: A Method for Stochastic Optimization", 2014. */
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
