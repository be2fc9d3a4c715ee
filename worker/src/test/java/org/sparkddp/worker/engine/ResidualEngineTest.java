package org.sparkddp.worker.engine;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Residual blocks (a ComputationGraph: two paths joined by a sum) on the engine against DL4J: the identity and the
 * projection shortcut, alone and as the shipped ResNet stacks them, over several optimizer steps so that batch norm's
 * running statistics move and inference uses them.
 *
 * <p>NOTE: SGD, not Adam, between the steps compared: a residual block's convolutions feed batch norm, so their
 * biases have a true gradient of zero and DL4J's and the engine's differ only in rounding noise (1e-10); Adam divides
 * that noise by its own magnitude and moves each such bias by a full learning rate in the noise's sign, so two exact
 * implementations part by the learning rate there (measured: 1e-3 on those biases after two steps, 1e-9 elsewhere).
 */
class ResidualEngineTest {
    @ParameterizedTest
    @ValueSource(strings = {"identity", "projection"})
    void eitherShortcut(String shortcut) {
        EngineCheck check = EngineCheck.of(List.of(2, 8, 8), 3, "model.activation=relu", "optimizer.name=sgd",
                "model.layers=[{type=conv,filters=4,kernel=3,padding=same},{type=residual,filters=4,shortcut="
                        + shortcut + "},{type=flatten}]");
        for (int step = 0; step < 4; step++) {
            DataSet batch = check.batch(6, step, true);
            check.gradientsAgree(batch, step);
            check.step(step, 6);
        }
        check.outputsAgree(check.batch(5, 50, true));
    }

    @Test
    void theShippedResNetsBlocks() {
        EngineCheck check = EngineCheck.of(List.of(1, 12, 12), 4, "model.activation=relu", "model.weight-init=he",
                "optimizer.name=momentum", "model.layers=[{type=conv,filters=6,kernel=3,padding=same},{type=batch-norm},"
                        + "{type=max-pool,kernel=2},{type=residual,filters=6},{type=residual,filters=8,stride=2},"
                        + "{type=avg-pool,kernel=3},{type=flatten}]");
        for (int step = 0; step < 5; step++) {
            DataSet batch = check.batch(8, 10 + step, true);
            check.gradientsAgree(batch, step);
            check.step(step, 8);
        }
        EngineCheck.assertClose(check.dl4j.params(), check.engine.params(), "parameters after 5 steps");
        check.outputsAgree(check.batch(4, 60, true));
    }

    @Test
    void otherActivationsInsideBlocks() {
        EngineCheck check = EngineCheck.of(List.of(2, 6, 6), 3, "model.activation=tanh", "optimizer.name=sgd",
                "model.layers=[{type=conv,filters=3,kernel=3,padding=same},{type=residual,filters=3},{type=flatten}]");
        DataSet batch = check.batch(5, 7, true);
        check.gradientsAgree(batch, 1);
        check.outputsAgree(batch);
    }
}
