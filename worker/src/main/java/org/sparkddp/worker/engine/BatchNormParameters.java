package org.sparkddp.worker.engine;

/**
 * One DL4J {@code BatchNormalization} layer's settings, its parameters and their gradients (views of DL4J's flat
 * vectors), and the rule for its running statistics, shared by {@link BatchNormOp} and {@link DnnlBatchNormOp}.
 * Runs on an executor.
 *
 * <p>The running mean and running spread (the variance, or log10 of the standard deviation when {@code logStd}) are
 * parameters that DL4J's updater moves by the "gradients" {@link #writeRunningGradients} writes:
 * {@code (1 - decay) * (runningMean - batchMean)} for the mean, and for the log10 of the standard deviation
 * {@code log(var / (decay * var + (1 - decay) * batchVar)) / (2 ln 10)} with {@code var} the running variance, or
 * {@code (1 - decay) * (runningVar - batchVar)} when the variance itself is stored.
 */
record BatchNormParameters(double decay, double eps, boolean logStd, NativeFloats gamma, NativeFloats beta,
                           NativeFloats runningMean, NativeFloats runningSpread, NativeFloats gammaGradient,
                           NativeFloats betaGradient, NativeFloats meanGradient, NativeFloats spreadGradient) {
    private static final double ONE_ON_2LOGE_10 = 1.0 / (2 * Math.log(10.0));

    /** Channel {@code c}'s running variance. */
    double runningVariance(int c) {
        double s = runningSpread.data.get(c);
        if (!logStd) {
            return s;
        }
        double std = Math.pow(10, s);
        return std * std;
    }

    /** Writes channel {@code c}'s two running "gradients", from a training pass's batch mean and biased variance. */
    void writeRunningGradients(int c, double batchMean, double batchVar) {
        double running = runningMean.data.get(c);
        meanGradient.data.put(c, (float) ((1 - decay) * (running - batchMean)));
        if (logStd) {
            double var = runningVariance(c);
            double next = decay * var + (1 - decay) * batchVar;
            spreadGradient.data.put(c, (float) (Math.log(var / next) * ONE_ON_2LOGE_10));
        } else {
            spreadGradient.data.put(c, (float) ((1 - decay) * (runningSpread.data.get(c) - batchVar)));
        }
    }
}
