package org.sparkddp.driver.train;

import org.apache.spark.broadcast.Broadcast;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.worker.stage.EvaluateTask;

/**
 * Distributed evaluation: each executor scores its cached partitions with the broadcast parameters and the
 * partial metrics are tree-reduced to the driver. The data never comes to the driver.
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

    HeldOutMetrics evaluate(Broadcast<ModelState> bcState) {
        return data.rdd().mapPartitions(new EvaluateTask(runId, network, bcState, data.metrics()))
                .treeReduce(HeldOutMetrics::merge);
    }
}
