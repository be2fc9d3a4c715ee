package org.sparkddp.worker.engine;

import java.nio.FloatBuffer;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.sparkddp.common.model.ClassicMomentum;

/**
 * DL4J's element-wise optimizers as single passes over native memory: the same formulas, in float, as DL4J 1.0.0-M2's
 * updaters (whose native ops run several passes and cost more than the engine's whole backward pass on an MLP).
 * Each turns the gradient (already divided by the batch) into the update, in place, and subtracts it from the
 * parameters. Runs on an executor.
 */
enum UpdateRule {
    /** Running statistics (batch norm's mean and log-std): DL4J applies their "gradient" as is, undivided. */
    NO_OP(0), SGD(0), MOMENTUM(1), NESTEROV(1), ADAGRAD(1), RMSPROP(1), ADAM(2);

    /** Arrays of optimizer state per parameter (DL4J's {@code stateSize / numParams}). */
    final int stateArrays;

    UpdateRule(int stateArrays) {
        this.stateArrays = stateArrays;
    }

    /** The rule for a DL4J optimizer configuration, or null if the engine has none for it. */
    static UpdateRule of(IUpdater config) {
        if (config instanceof NoOp) {
            return NO_OP;
        } else if (config instanceof Sgd) {
            return SGD;
        } else if (config instanceof ClassicMomentum) {
            return MOMENTUM;
        } else if (config instanceof Nesterovs n) {
            return n.getMomentumISchedule() == null ? NESTEROV : null;
        } else if (config instanceof AdaGrad) {
            return ADAGRAD;
        } else if (config instanceof RmsProp) {
            return RMSPROP;
        } else if (config instanceof Adam) {
            return ADAM;
        }
        return null;
    }

    /** Whether DL4J divides this rule's gradients by the batch size (all but the running statistics). */
    boolean dividesByBatch() {
        return this != NO_OP;
    }

    /** Floats per pass: the loops run on heap arrays of this size, copied in and out, which the JIT vectorizes. */
    private static final int CHUNK = 4096;

    /** Heap copies of one chunk: parameters, gradient, up to two state arrays. Per thread: one task at a time. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][CHUNK]);

    /**
     * Applies one step to {@code length} parameters.
     *
     * @param p     parameters, updated in place
     * @param g     their gradient summed over the batch; left holding the update, as DL4J leaves it
     * @param state this rule's state arrays (views of the same {@code length})
     */
    void apply(IUpdater config, int iteration, int epoch, int batchSize, FloatBuffer p, FloatBuffer g,
               FloatBuffer[] state, int length) {
        float[][] scratch = SCRATCH.get();
        float[] ps = scratch[0];
        float[] gs = scratch[1];
        float[] s0 = scratch[2];
        float[] s1 = scratch[3];
        Coefficients c = coefficients(config, iteration, epoch, batchSize);
        for (int from = 0; from < length; from += CHUNK) {
            int n = Math.min(CHUNK, length - from);
            p.get(from, ps, 0, n);
            g.get(from, gs, 0, n);
            if (stateArrays > 0) {
                state[0].get(from, s0, 0, n);
            }
            if (stateArrays > 1) {
                state[1].get(from, s1, 0, n);
            }
            apply(c, ps, gs, s0, s1, n);
            p.put(from, ps, 0, n);
            g.put(from, gs, 0, n);
            if (stateArrays > 0) {
                state[0].put(from, s0, 0, n);
            }
            if (stateArrays > 1) {
                state[1].put(from, s1, 0, n);
            }
        }
    }

    /** The step's scalars: the batch, the (scheduled) rate, and the rule's own constants. */
    private record Coefficients(float batch, float lr, float a, float b, float eps, float alpha) {
    }

    private Coefficients coefficients(IUpdater config, int iteration, int epoch, int batchSize) {
        float lr = this == NO_OP ? 0 : (float) config.getLearningRate(iteration, epoch);
        return switch (this) {
            case NO_OP, SGD -> new Coefficients(batchSize, lr, 0, 0, 0, 0);
            case MOMENTUM -> new Coefficients(batchSize, lr, (float) ((ClassicMomentum) config).getMomentum(), 0, 0, 0);
            case NESTEROV -> new Coefficients(batchSize, lr, (float) ((Nesterovs) config).getMomentum(), 0, 0, 0);
            case ADAGRAD -> new Coefficients(batchSize, lr, 0, 0, (float) ((AdaGrad) config).getEpsilon(), 0);
            case RMSPROP -> new Coefficients(batchSize, lr, (float) ((RmsProp) config).getRmsDecay(), 0,
                    (float) ((RmsProp) config).getEpsilon(), 0);
            case ADAM -> {
                Adam a = (Adam) config;
                float beta1 = (float) a.getBeta1();
                float beta2 = (float) a.getBeta2();
                float eps = (float) a.getEpsilon();
                float beta1t = (float) Math.pow(beta1, iteration + 1);
                float beta2t = (float) Math.pow(beta2, iteration + 1);
                float alpha = lr * (float) Math.sqrt(1 - beta2t) / (1 - beta1t);
                if (Float.isNaN(alpha) || Float.isInfinite(alpha) || alpha == 0) {
                    alpha = eps; // as DL4J does
                }
                yield new Coefficients(batchSize, lr, beta1, beta2, eps, alpha);
            }
        };
    }

    /** The per-element formulas, DL4J's, over one chunk of {@code n} floats. */
    private void apply(Coefficients c, float[] p, float[] g, float[] s0, float[] s1, int n) {
        float batch = c.batch();
        float lr = c.lr();
        switch (this) {
            case NO_OP -> {
                for (int i = 0; i < n; i++) {
                    p[i] -= g[i];
                }
            }
            case SGD -> {
                for (int i = 0; i < n; i++) {
                    float u = g[i] / batch * lr;
                    g[i] = u;
                    p[i] -= u;
                }
            }
            case MOMENTUM -> {
                float mu = c.a();
                for (int i = 0; i < n; i++) {
                    float u = mu * s0[i] + lr * (g[i] / batch);
                    s0[i] = u;
                    g[i] = u;
                    p[i] -= u;
                }
            }
            case NESTEROV -> {
                float mu = c.a();
                for (int i = 0; i < n; i++) {
                    float previous = s0[i];
                    float next = mu * previous - lr * (g[i] / batch);
                    s0[i] = next;
                    float u = mu * previous - (1 + mu) * next;
                    g[i] = u;
                    p[i] -= u;
                }
            }
            case ADAGRAD -> {
                float eps = c.eps();
                for (int i = 0; i < n; i++) {
                    float d = g[i] / batch;
                    float s = s0[i] + d * d;
                    s0[i] = s;
                    float u = lr * d / ((float) Math.sqrt(s) + eps);
                    g[i] = u;
                    p[i] -= u;
                }
            }
            case RMSPROP -> {
                float decay = c.a();
                float eps = c.eps();
                for (int i = 0; i < n; i++) {
                    float d = g[i] / batch;
                    float s = s0[i] * decay + d * d * (1 - decay);
                    s0[i] = s;
                    float u = lr * d / ((float) Math.sqrt(s) + eps);
                    g[i] = u;
                    p[i] -= u;
                }
            }
            case ADAM -> {
                float beta1 = c.a();
                float beta2 = c.b();
                float eps = c.eps();
                float alpha = c.alpha();
                for (int i = 0; i < n; i++) {
                    float d = g[i] / batch;
                    float m = beta1 * s0[i] + d * (1 - beta1);
                    float v = beta2 * s1[i] + d * d * (1 - beta2);
                    s0[i] = m;
                    s1[i] = v;
                    float u = m * alpha / ((float) Math.sqrt(v) + eps);
                    g[i] = u;
                    p[i] -= u;
                }
            }
        }
    }
}
