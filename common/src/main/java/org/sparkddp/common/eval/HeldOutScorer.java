package org.sparkddp.common.eval;

import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.MinibatchBuffer;

/**
 * Scores held-out examples with a network's forward pass, a chunk at a time, into the {@link HeldOutMetrics} its
 * {@link MetricsSpec} names. Used on executors (per partition, during training) and on the driver
 * ({@code spark-ddp evaluate}).
 */
public final class HeldOutScorer {
    /** Examples per forward pass: big enough to keep the matrix multiply efficient, small enough for any heap. */
    private static final int CHUNK = 1000;

    private final UnaryOperator<INDArray> output;
    private final MinibatchBuffer buffer;
    private final HeldOutMetrics metrics;

    /** @param output the network's forward pass: features in, outputs (class probabilities, or values) out */
    public HeldOutScorer(UnaryOperator<INDArray> output, int numInputs, MetricsSpec spec) {
        this.output = output;
        this.buffer = new MinibatchBuffer(CHUNK, numInputs, spec.width());
        this.metrics = spec.zero();
    }

    public HeldOutScorer add(LabeledExamples block) {
        int[] next = block.size() > 0 ? chunk(block, 0) : null;
        if (next != null) {
            block.features().prefetch(next);
        }
        for (int from = 0; from < block.size(); from += CHUNK) {
            int[] rows = next;
            // The next chunk is read ahead (from a block spilled to disk) while this one is scored.
            next = from + CHUNK < block.size() ? chunk(block, from + CHUNK) : null;
            if (next != null) {
                block.features().prefetch(next);
            }
            metrics.add(output.apply(buffer.assemble(block, rows).getFeatures()), block.targets(), from);
        }
        return this;
    }

    /** Rows {@code [from, from + CHUNK)} of the block, or fewer at its end. */
    private static int[] chunk(LabeledExamples block, int from) {
        int[] rows = new int[Math.min(block.size(), from + CHUNK) - from];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = from + i;
        }
        return rows;
    }

    public HeldOutMetrics result() {
        return metrics;
    }
}
