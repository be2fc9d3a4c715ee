package org.sparkddp.common.config;

import java.io.Serializable;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * How {@code average} mode's local SGD starts and how each average is applied ({@code training.average-*} keys
 * beside {@code training.average-every}). Read on the driver; each training stage carries it to the executors.
 *
 * <p>Warm-up is PyTorch's {@code PostLocalSGDOptimizer}: the first {@code warmupIterations} global iterations are
 * synchronous SGD (the gradients summed every step), after which the ranks step alone between averages. The averages
 * still fall where they would without warm-up, after every global iteration {@code i} with {@code (i + 1) % K == 0}.
 *
 * <p>The outer optimizer is DiLoCo's (Douillard et al., 2023, "DiLoCo: Distributed Low-Communication Training of
 * Language Models"): at each average the change {@code params_before_window - average(params_after_window)} is
 * treated as a gradient and applied with Nesterov momentum SGD ({@code outerLearningRate}, {@code outerMomentum}).
 * {@code outerLearningRate = 1} with {@code outerMomentum = 0} is plain averaging, and then no outer step runs at all.
 *
 * @param warmupIterations  global iterations run as synchronous SGD before local steps begin (0: none)
 * @param outerLearningRate the outer step's learning rate, {@code > 0}
 * @param outerMomentum     the outer step's Nesterov momentum, in {@code [0, 1)}; above 0 the optimizer state gains
 *                          one momentum value per parameter
 */
public record LocalSgdConfig(int warmupIterations, double outerLearningRate, double outerMomentum)
        implements Serializable {
    /** The keys of this record, which apply only in {@code average} mode. */
    static final java.util.List<String> KEYS = java.util.List.of("training.average-warmup-iterations",
            "training.average-outer-lr", "training.average-outer-momentum");

    /** Plain parameter averaging, from the first iteration. (NOTE: after {@link #KEYS}, which its check uses.) */
    public static final LocalSgdConfig PLAIN = new LocalSgdConfig(0, 1.0, 0.0);

    public LocalSgdConfig {
        if (warmupIterations < 0) {
            throw new InvalidConfigException(KEYS.get(0), "must be >= 0 but got " + warmupIterations);
        }
        Checks.positiveFinite(KEYS.get(1), outerLearningRate);
        if (!(outerMomentum >= 0 && outerMomentum < 1)) {
            throw new InvalidConfigException(KEYS.get(2), "must be in [0, 1) but got " + outerMomentum);
        }
    }

    /** Whether an outer step runs at each average (anything but plain averaging). */
    public boolean hasOuterStep() {
        return outerLearningRate != 1.0 || outerMomentum != 0.0;
    }

    /** Whether the optimizer state carries the outer step's momentum buffer. */
    public boolean hasOuterMomentum() {
        return outerMomentum != 0.0;
    }
}
