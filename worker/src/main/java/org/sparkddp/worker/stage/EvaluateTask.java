package org.sparkddp.worker.stage;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.MinibatchBuffer;
import org.sparkddp.common.eval.ClassificationAggregator;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.worker.replica.ReplicaPool;

/**
 * Evaluates the broadcast parameters on one partition of held-out examples and returns its partial metrics.
 * Runs on executors; the driver merges the partials, so the data never leaves the executors.
 */
public final class EvaluateTask implements FlatMapFunction<Iterator<LabeledExamples>, ClassificationAggregator> {
    private static final long serialVersionUID = 1L;
    /** Examples per forward pass: big enough to keep the matrix multiply efficient, small enough for any heap. */
    private static final int CHUNK = 1000;

    private final String runId;
    private final NetworkSpec network;
    private final Broadcast<ModelState> bcState;

    public EvaluateTask(String runId, NetworkSpec network, Broadcast<ModelState> bcState) {
        this.runId = runId;
        this.network = network;
        this.bcState = bcState;
    }

    @Override
    public Iterator<ClassificationAggregator> call(Iterator<LabeledExamples> partition) {
        ClassificationAggregator aggregator = new ClassificationAggregator(network.numClasses());
        MinibatchBuffer buffer = new MinibatchBuffer(CHUNK, network.numInputs(), network.numClasses());
        try (ReplicaPool.Lease replica = ReplicaPool.borrowForInference(runId, network, bcState.value())) {
            while (partition.hasNext()) {
                LabeledExamples block = partition.next();
                for (int from = 0; from < block.size(); from += CHUNK) {
                    int[] rows = range(from, Math.min(block.size(), from + CHUNK));
                    var batch = buffer.assemble(block, rows);
                    int[] labels = Arrays.stream(rows).map(r -> block.labels().labels()[r]).toArray();
                    aggregator.add(replica.network().output(batch.getFeatures()), labels);
                }
            }
        }
        return List.of(aggregator).iterator();
    }

    private static int[] range(int from, int to) {
        int[] rows = new int[to - from];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = from + i;
        }
        return rows;
    }
}
