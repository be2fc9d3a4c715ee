package org.sparkddp.common.config;

import java.io.Serializable;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The chosen optimizer and its own hyper-parameters (the {@code optimizer.<name>} section). The learning rate and its
 * schedule are common to all and live in {@link OptimizerConfig}.
 */
public sealed interface UpdaterSpec extends Serializable {
    OptimizerName name();

    record Sgd() implements UpdaterSpec {
        @Override
        public OptimizerName name() {
            return OptimizerName.SGD;
        }
    }

    /** @param momentum the velocity's decay, in [0, 1) */
    record Momentum(double momentum) implements UpdaterSpec {
        public Momentum {
            unitInterval("optimizer.momentum.momentum", momentum);
        }

        @Override
        public OptimizerName name() {
            return OptimizerName.MOMENTUM;
        }
    }

    /** @param momentum the velocity's decay, in [0, 1) */
    record Nesterov(double momentum) implements UpdaterSpec {
        public Nesterov {
            unitInterval("optimizer.nesterov.momentum", momentum);
        }

        @Override
        public OptimizerName name() {
            return OptimizerName.NESTEROV;
        }
    }

    record AdaGrad(double epsilon) implements UpdaterSpec {
        public AdaGrad {
            Checks.positiveFinite("optimizer.adagrad.epsilon", epsilon);
        }

        @Override
        public OptimizerName name() {
            return OptimizerName.ADAGRAD;
        }
    }

    /** @param decay weight of the old mean square in each update, in [0, 1) */
    record RmsProp(double decay, double epsilon) implements UpdaterSpec {
        public RmsProp {
            unitInterval("optimizer.rmsprop.decay", decay);
            Checks.positiveFinite("optimizer.rmsprop.epsilon", epsilon);
        }

        @Override
        public OptimizerName name() {
            return OptimizerName.RMSPROP;
        }
    }

    record Adam(double beta1, double beta2, double epsilon) implements UpdaterSpec {
        public Adam {
            unitInterval("optimizer.adam.beta1", beta1);
            unitInterval("optimizer.adam.beta2", beta2);
            Checks.positiveFinite("optimizer.adam.epsilon", epsilon);
        }

        @Override
        public OptimizerName name() {
            return OptimizerName.ADAM;
        }
    }

    private static void unitInterval(String key, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new InvalidConfigException(key, "must be in [0, 1) but got " + value);
        }
    }
}
