package org.sparkddp.worker.stage;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.eval.HeldOutScorer;
import org.sparkddp.common.eval.MetricsSpec;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.worker.replica.ReplicaPool;

/**
 * Evaluates the parameters of a state (named by its {@link StateVersion}, loaded from the executors' blocks or
 * found in a replica that holds it) on one partition of held-out examples and returns its partial metrics.
 * Runs on executors; the driver merges the partials, so the data never leaves the executors.
 */
public final class EvaluateTask implements FlatMapFunction<Iterator<LabeledExamples>, HeldOutMetrics> {
    private static final long serialVersionUID = 1L;

    private final String runId;
    private final NetworkSpec network;
    private final StateVersion state;
    private final MetricsSpec metrics;

    /** @param metrics what to measure, decided by the driver from the whole held-out set */
    public EvaluateTask(String runId, NetworkSpec network, StateVersion state, MetricsSpec metrics) {
        this.runId = runId;
        this.network = network;
        this.state = state;
        this.metrics = metrics;
    }

    @Override
    public Iterator<HeldOutMetrics> call(Iterator<LabeledExamples> partition) {
        try (ReplicaPool.Lease replica = ReplicaPool.borrowForInference(runId, network, state)) {
            HeldOutScorer scorer = new HeldOutScorer(replica.network()::output, network.numInputs(), metrics);
            partition.forEachRemaining(scorer::add);
            return List.of(scorer.result()).iterator();
        }
    }
}
