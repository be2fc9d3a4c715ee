package org.sparkddp.worker.engine;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.dataset.DataSet;

/** The engine's dense layers, activations, dropout and losses against DL4J's, layer by layer. */
class DenseEngineTest {
    @ParameterizedTest
    @ValueSource(strings = {"relu", "leaky-relu", "elu", "tanh", "sigmoid", "identity"})
    void everyHiddenActivation(String activation) {
        EngineCheck check = EngineCheck.of(List.of(12), 5, "model.activation=" + activation,
                "model.layers=[{type=dense,units=16},{type=dense,units=8}]");
        DataSet batch = check.batch(7, 1, true);
        check.gradientsAgree(batch, 3);
        check.outputsAgree(batch);
    }

    @ParameterizedTest
    @CsvSource({"softmax,cross-entropy,true", "sigmoid,binary-cross-entropy,false", "identity,mse,false"})
    void everyLoss(String activation, String loss, boolean oneHot) {
        EngineCheck check = EngineCheck.of(List.of(10), 4, "model.layers=[{type=dense,units=16}]",
                "model.output.activation=" + activation, "model.output.loss=" + loss);
        DataSet batch = check.batch(9, 2, oneHot);
        check.gradientsAgree(batch, 3);
        check.outputsAgree(batch);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.3, 0.5})
    void dropoutDrawsDl4jsMask(double rate) {
        EngineCheck check = EngineCheck.of(List.of(20), 3,
                "model.layers=[{type=dense,units=32},{type=dropout,rate=" + rate + "},{type=dense,units=16}]");
        for (int step = 0; step < 3; step++) {
            DataSet batch = check.batch(11, 10 + step, true);
            check.gradientsAgree(batch, 100 + step);
            check.step(step, 11);
        }
        check.outputsAgree(check.batch(5, 99, true));
    }

    @org.junit.jupiter.api.Test
    void scoresMoreRowsThanABlockInBlocks() {
        EngineCheck check = EngineCheck.of(List.of(12), 5, "model.layers=[{type=dense,units=16},{type=batch-norm},"
                + "{type=dropout,rate=0.5}]");
        check.gradientsAgree(check.batch(8, 1, true), 1);
        check.step(0, 8);
        // 300 rows: blocks of 128, 128 and 44, each row's output its own
        check.outputsAgree(check.batch(EngineNetwork.INFERENCE_ROWS * 2 + 44, 2, true));
    }

    @org.junit.jupiter.api.Test
    void trainsTheSameForTwentyStepsWithAdamAndL2() {
        EngineCheck check = EngineCheck.of(List.of(30), 6, "model.layers=[{type=dense,units=24},{type=dense,units=12}]",
                "model.l2=0.001", "optimizer.name=adam");
        for (int step = 0; step < 20; step++) {
            DataSet batch = check.batch(16, step, true);
            check.gradientsAgree(batch, step);
            check.step(step, 16);
        }
        EngineCheck.assertClose(check.dl4j.params(), check.engine.params(), "parameters after 20 steps");
    }
}
