package org.sparkddp.driver.train;

import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.worker.stage.EvaluateTask;

/**
 * Distributed evaluation: each executor scores its cached partitions with a state's parameters, read from the
 * executors' blocks (or found in a replica that holds them), and the partial metrics are tree-reduced to the
 * driver. Neither the data nor the state comes to the driver.
 */
final class Evaluator {
    private final String runId;
    private final NetworkSpec network;
    private final ShardedData data;

    Evaluator(String runId, NetworkSpec network, ShardedData data) {
        this.runId = runId;
        this.network = network;
        this.data = data;
    }

    HeldOutMetrics evaluate(StateVersion state) {
        return data.rdd().mapPartitions(new EvaluateTask(runId, network, state, data.metrics()))
                .treeReduce(HeldOutMetrics::merge);
    }
}
