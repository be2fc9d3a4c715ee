package org.sparkddp.common.eval;

import java.io.Serializable;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.RealTargets;
import org.sparkddp.common.data.Targets;

/**
 * Which {@link HeldOutMetrics} a held-out set is scored with, decided once on the driver from the whole set (a
 * partition alone could look binary by chance) and shipped to the evaluation tasks, which start from
 * {@link #zero()}.
 *
 * @param kind  classification, regression, or binary (regression on one 0/1 column, plus accuracy)
 * @param width the network's output width: classes, or target columns
 */
public record MetricsSpec(Kind kind, int width) implements Serializable {
    public enum Kind { CLASSIFICATION, REGRESSION, BINARY }

    public MetricsSpec {
        if (width <= 0 || (kind == Kind.BINARY && width != 1)) {
            throw new IllegalArgumentException(kind + " metrics cannot have width " + width);
        }
    }

    public static MetricsSpec of(Targets targets) {
        if (targets instanceof ClassLabels labels) {
            return new MetricsSpec(Kind.CLASSIFICATION, labels.numClasses());
        }
        RealTargets real = (RealTargets) targets;
        return new MetricsSpec(real.isBinary() ? Kind.BINARY : Kind.REGRESSION, real.width());
    }

    /** A fresh aggregator with no examples. */
    public HeldOutMetrics zero() {
        return switch (kind) {
            case CLASSIFICATION -> new ClassificationAggregator(width);
            case REGRESSION -> new RegressionAggregator(width, false);
            case BINARY -> new RegressionAggregator(width, true);
        };
    }
}
