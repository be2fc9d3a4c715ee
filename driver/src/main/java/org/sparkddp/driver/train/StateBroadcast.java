package org.sparkddp.driver.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkddp.common.wire.ModelState;

/**
 * The current model state and its broadcast, created on first use and destroyed when the state changes, so
 * the evaluation after a stage and the next stage share one broadcast. Runs on the driver.
 */
final class StateBroadcast implements AutoCloseable {
    private final JavaSparkContext sc;
    private ModelState state;
    private Broadcast<ModelState> bcState;

    StateBroadcast(JavaSparkContext sc, ModelState initial) {
        this.sc = sc;
        this.state = initial;
    }

    ModelState state() {
        return state;
    }

    Broadcast<ModelState> broadcast() {
        if (bcState == null) {
            bcState = sc.broadcast(state);
        }
        return bcState;
    }

    void update(ModelState next) {
        close();
        state = next;
    }

    @Override
    public void close() {
        if (bcState != null) {
            bcState.destroy();
            bcState = null;
        }
    }
}
