package org.sparkddp.common.config;

import java.io.Serializable;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * One entry of {@code model.layers}: what the user wrote, validated. {@code model.NetworkFactory} turns it into DL4J
 * layers. Each record's {@code key} is where it sits in the config ({@code model.layers[2]}), for error messages.
 * An activation left out of the file is {@code model.activation}'s, filled in by the reader.
 */
public sealed interface LayerSpec extends Serializable {
    /** The config key of this layer, e.g. {@code model.layers[2]}. */
    String key();

    /** The name of this layer's type in config files. */
    String type();

    /** The layer's activation, for the types that have one (the records' own accessors); null for the others. */
    default ActivationName activation() {
        return null;
    }

    /** A fully connected layer. */
    record Dense(String key, int units, ActivationName activation) implements LayerSpec {
        public Dense {
            Checks.positive(key + ".units", units);
        }

        @Override
        public String type() {
            return "dense";
        }
    }

    /**
     * A 2-D convolution over {@code [channels, height, width]} inputs.
     *
     * @param padding zero padding on each side, or -1 for "same" (output size = ceil(input / stride))
     */
    record Conv(String key, int filters, int kernel, int stride, int padding, ActivationName activation)
            implements LayerSpec {
        public static final int SAME = -1;

        public Conv {
            Checks.positive(key + ".filters", filters);
            Checks.positive(key + ".kernel", kernel);
            Checks.positive(key + ".stride", stride);
            if (padding < SAME) {
                throw new InvalidConfigException(key + ".padding", "must be >= 0 or \"same\" but got " + padding);
            }
        }

        @Override
        public String type() {
            return "conv";
        }
    }

    /** Max or average pooling over square windows. */
    record Pool(String key, boolean max, int kernel, int stride) implements LayerSpec {
        public Pool {
            Checks.positive(key + ".kernel", kernel);
            Checks.positive(key + ".stride", stride);
        }

        @Override
        public String type() {
            return max ? "max-pool" : "avg-pool";
        }
    }

    /**
     * Batch normalization (Ioffe and Szegedy 2015), per feature after dense layers and per channel after convolutions.
     *
     * @param decay   weight of the old running mean and variance in each update
     * @param epsilon added to the variance before the square root
     */
    record BatchNorm(String key, double decay, double epsilon) implements LayerSpec {
        public BatchNorm {
            if (!(decay >= 0 && decay < 1)) {
                throw new InvalidConfigException(key + ".decay", "must be in [0, 1) but got " + decay);
            }
            Checks.positiveFinite(key + ".epsilon", epsilon);
        }

        @Override
        public String type() {
            return "batch-norm";
        }
    }

    /** Inverted dropout (Srivastava et al. 2014) of the layer's inputs, during training only. */
    record Dropout(String key, double rate) implements LayerSpec {
        public Dropout {
            if (!(rate >= 0 && rate < 1)) {
                throw new InvalidConfigException(key + ".rate",
                        "is the fraction of units dropped, so it must be in [0, 1) but got " + rate);
            }
        }

        @Override
        public String type() {
            return "dropout";
        }
    }

    /**
     * Marks where image-shaped activations become a vector. Optional: DL4J flattens by itself between a convolutional
     * and a dense layer; the factory checks that one stands here.
     */
    record Flatten(String key) implements LayerSpec {
        @Override
        public String type() {
            return "flatten";
        }
    }

    /**
     * A residual block (He et al. 2016): conv - batch norm - activation - conv - batch norm, plus a shortcut, then the
     * activation. Both convolutions use "same" padding; the first one has the stride.
     *
     * @param shortcut the identity, or a 1x1 convolution with batch norm (needed when the stride or the channel count
     *                 changes), or whichever the shapes need
     */
    record Residual(String key, int filters, int kernel, int stride, Shortcut shortcut, ActivationName activation)
            implements LayerSpec {
        /** A residual block's shortcut. */
        public enum Shortcut implements ConfigChoice {
            AUTO, IDENTITY, PROJECTION
        }

        public Residual {
            Checks.present(key + ".shortcut", shortcut);
            Checks.positive(key + ".filters", filters);
            Checks.positive(key + ".kernel", kernel);
            Checks.positive(key + ".stride", stride);
        }

        @Override
        public String type() {
            return "residual";
        }
    }
}
