package org.sparkddp.worker.stage;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.config.LocalSgdConfig;
import org.sparkddp.common.nd.NativeArrays;
import org.sparkddp.common.nd.NioViews;

/**
 * DiLoCo's outer optimizer (Douillard et al., 2023), applied to the parameters at each average of {@code average}
 * mode: the outer gradient is {@code d = anchor - average}, where {@code anchor} is the consensus the window started
 * from, and the step is PyTorch's SGD with Nesterov momentum on it ({@code v = mu v + d}, {@code p = anchor - lr (d + mu
 * v)}). Runs on an executor, on every rank: the ranks hold the same average, anchor and momentum, so they take the
 * same step bit for bit.
 *
 * <p>The anchor needs no storing: every stage starts at a consensus, which is the anchor of the window it starts. The
 * momentum buffer is part of the optimizer state (the last P values of {@code updaterState()}, see the network's
 * {@code OuterMomentumState}), so it is stored, checkpointed and resumed with the rest of the state.
 */
final class OuterNesterov implements AutoCloseable {
    private final float learningRate;
    private final float momentum;
    /** The parameters the current window started from. */
    private final INDArray anchor;
    /** The momentum buffer, a view of the network's optimizer state; null without momentum. */
    private final INDArray velocity;

    /**
     * @param params   the network's parameters, a consensus now: the first window's anchor
     * @param velocity the momentum buffer (as long as the parameters), or null when the momentum is 0
     */
    OuterNesterov(LocalSgdConfig config, INDArray params, INDArray velocity) {
        if ((velocity == null) == config.hasOuterMomentum()) {
            throw new IllegalArgumentException("outer momentum " + config.outerMomentum() + " but "
                    + (velocity == null ? "no" : "a") + " momentum buffer");
        }
        if (velocity != null && velocity.length() != params.length()) {
            throw new IllegalArgumentException("momentum buffer of " + velocity.length() + " values for "
                    + params.length() + " parameters");
        }
        this.learningRate = (float) config.outerLearningRate();
        this.momentum = (float) config.outerMomentum();
        this.velocity = velocity;
        this.anchor = Nd4j.create(DataType.FLOAT, params.length());
        anchor(params);
    }

    /** Takes {@code params} (a consensus) as the start of the next window. */
    void anchor(INDArray params) {
        ByteBuffer[] from = NioViews.segments(params);
        ByteBuffer[] to = NioViews.segments(anchor);
        for (int s = 0; s < from.length; s++) {
            to[s].put(from[s]);
        }
    }

    /** Replaces {@code params}, which hold the ranks' average, by the outer step's result, the next anchor. */
    void step(INDArray params) {
        ByteBuffer[] p = NioViews.segments(params);
        ByteBuffer[] a = NioViews.segments(anchor);
        ByteBuffer[] v = velocity == null ? null : NioViews.segments(velocity);
        for (int s = 0; s < p.length; s++) {
            step(p[s].asFloatBuffer(), a[s].asFloatBuffer(), v == null ? null : v[s].asFloatBuffer(),
                    learningRate, momentum);
        }
    }

    /**
     * One outer step over one segment, in place: {@code params} (the average) and {@code anchor} both end holding the
     * new parameters, {@code velocity} (null without momentum) the new momentum.
     *
     * <p>NOTE: float arithmetic in this fixed order on every rank, so that the ranks agree bit for bit.
     */
    static void step(FloatBuffer params, FloatBuffer anchor, FloatBuffer velocity, float learningRate, float momentum) {
        int n = params.remaining();
        for (int i = 0; i < n; i++) {
            float start = anchor.get(i);
            float outerGradient = start - params.get(i);
            float direction = outerGradient;
            if (velocity != null) {
                float v = momentum * velocity.get(i) + outerGradient;
                velocity.put(i, v);
                direction = outerGradient + momentum * v;
            }
            float next = start - learningRate * direction;
            params.put(i, next);
            anchor.put(i, next);
        }
    }

    @Override
    public void close() {
        NativeArrays.release(anchor);
    }
}
