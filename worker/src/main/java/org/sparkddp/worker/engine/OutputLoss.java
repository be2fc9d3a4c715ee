package org.sparkddp.worker.engine;

/**
 * The output layer's activation and loss, with DL4J's definitions: the loss summed over the batch, and its gradient
 * with respect to the output layer's pre-activations, per example (summed, not divided by the batch: DL4J's updater
 * divides). Runs on an executor.
 */
enum OutputLoss {
    /** Softmax with multi-class cross-entropy (DL4J's {@code MCXENT}, which clips probabilities at 1e-10 for the score). */
    SOFTMAX_CROSS_ENTROPY,
    /** Sigmoid with binary cross-entropy (DL4J's {@code XENT}, which clips probabilities at 1e-5). */
    SIGMOID_BINARY_CROSS_ENTROPY,
    /** Identity with mean squared error over the outputs (DL4J's {@code MSE}). */
    IDENTITY_MSE;

    private static final double SOFTMAX_CLIP = 1e-10;
    private static final double XENT_CLIP = 1e-5;

    /** The output activation in inference: {@code out = f(z)} for {@code n} rows of {@code k}. */
    void activate(NativeFloats z, NativeFloats out, int n, int k) {
        switch (this) {
            case SOFTMAX_CROSS_ENTROPY -> softmax(z, out, n, k);
            case SIGMOID_BINARY_CROSS_ENTROPY -> Activation.SIGMOID.forward(z, out, n * k, 0);
            case IDENTITY_MSE -> Activation.IDENTITY.forward(z, out, n * k, 0);
        }
    }

    /**
     * Writes {@code dL/dz} into {@code gradZ} and returns the loss summed over the {@code n} examples.
     *
     * @param out scratch for the activations, {@code n x k}
     */
    double lossAndGradient(NativeFloats z, NativeFloats labels, NativeFloats out, NativeFloats gradZ, int n, int k) {
        activate(z, out, n, k);
        var p = out.data;
        var y = labels.data;
        var g = gradZ.data;
        double loss = 0;
        int count = n * k;
        switch (this) {
            case SOFTMAX_CROSS_ENTROPY -> {
                for (int i = 0; i < count; i++) {
                    float pi = p.get(i);
                    float yi = y.get(i);
                    if (yi != 0) {
                        loss -= yi * Math.log(Math.min(Math.max(pi, SOFTMAX_CLIP), 1 - SOFTMAX_CLIP));
                    }
                    g.put(i, pi - yi);
                }
            }
            case SIGMOID_BINARY_CROSS_ENTROPY -> {
                for (int i = 0; i < count; i++) {
                    float pi = p.get(i);
                    float yi = y.get(i);
                    double c = Math.min(Math.max(pi, XENT_CLIP), 1 - XENT_CLIP);
                    loss -= yi * Math.log(c) + (1 - yi) * Math.log(1 - c);
                    // DL4J: dL/dp from the clipped p, times the sigmoid's derivative from the unclipped one
                    g.put(i, (float) ((c - yi) / (c * (1 - c)) * pi * (1 - pi)));
                }
            }
            case IDENTITY_MSE -> {
                for (int i = 0; i < count; i++) {
                    float d = p.get(i) - y.get(i);
                    loss += (double) d * d / k;
                    g.put(i, 2f * d / k);
                }
            }
        }
        return loss;
    }

    private static void softmax(NativeFloats z, NativeFloats out, int n, int k) {
        var x = z.data;
        var y = out.data;
        for (int i = 0; i < n; i++) {
            int row = i * k;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, x.get(row + j));
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                float e = (float) Math.exp(x.get(row + j) - max);
                y.put(row + j, e);
                sum += e;
            }
            float inv = (float) (1 / sum);
            for (int j = 0; j < k; j++) {
                y.put(row + j, y.get(row + j) * inv);
            }
        }
    }
}
