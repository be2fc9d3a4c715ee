package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkddp.common.model.SlicedOptimizer;

/**
 * The engine's in-place optimizer step against DL4J's updater: on the same gradient sequence, every optimizer moves
 * the parameters and its state as DL4J's does; and its sharded form equals its whole-vector form bit for bit.
 */
class EngineOptimizerTest {
    private static final String LAYERS = "model.layers=[{type=dense,units=24},{type=dense,units=12}]";

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"})
    void everyOptimizerStepsAsDl4jDoes(String optimizer) {
        stepsAsDl4jDoes(optimizer, "optimizer.schedule={type=step,decay-rate=0.5,step-every=4}");
    }

    /** The cosine schedule (DL4J's MapSchedule), with and without warmup: the engine reads the rate DL4J would. */
    @ParameterizedTest
    @ValueSource(ints = {0, 3})
    void cosineScheduleStepsAsDl4jDoes(int warmup) {
        stepsAsDl4jDoes("adam", "optimizer.schedule={type=cosine,step-every=2,decay-iterations=10,warmup-iterations="
                + warmup + "}");
    }

    private static void stepsAsDl4jDoes(String optimizer, String schedule) {
        EngineCheck check = EngineCheck.of(List.of(30), 6, LAYERS, "optimizer.name=" + optimizer,
                "optimizer.learning-rate=0.01", schedule);
        assertTrue(((EngineTrainable) check.engine).stepsInPlace(), optimizer + " should step in place");
        for (int step = 0; step < 12; step++) {
            DataSet batch = check.batch(16, step, true);
            check.dl4j.computeGradient(batch);
            // the same gradient into both: this test is about the step alone
            check.engine.gradients().assign(check.dl4j.gradients());
            check.step(step, 16);
            EngineCheck.assertClose(check.dl4j.params(), check.engine.params(), optimizer + " parameters, step " + step);
            if (!check.dl4j.updaterState().isEmpty()) {
                EngineCheck.assertClose(check.dl4j.updaterState(), check.engine.updaterState(),
                        optimizer + " state, step " + step);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"adam", "nesterov", "rmsprop"})
    void slicesStepExactlyAsTheWholeVectorDoes(String optimizer) {
        EngineCheck whole = EngineCheck.of(List.of(30), 6, LAYERS, "optimizer.name=" + optimizer);
        EngineCheck sliced = EngineCheck.of(List.of(30), 6, LAYERS, "optimizer.name=" + optimizer);
        int n = Math.toIntExact(whole.engine.params().length());
        int[] cuts = {0, n / 3, 2 * n / 3 + 1, n};
        List<SlicedOptimizer> parts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            parts.add(sliced.engine.slicedOptimizer(cuts[i], cuts[i + 1]).orElseThrow());
        }
        parts.forEach(p -> p.loadState(sliced.engine.updaterState()));
        for (int step = 0; step < 6; step++) {
            DataSet batch = whole.batch(16, step, true);
            whole.engine.computeGradient(batch);
            sliced.engine.computeGradient(batch);
            whole.engine.step(step, 0, 16);
            for (SlicedOptimizer p : parts) {
                p.step(step, 0, 16);
            }
            assertArrayEquals(whole.engine.params().toFloatVector(), sliced.engine.params().toFloatVector(),
                    "step " + step);
        }
        INDArray state = sliced.engine.updaterState();
        state.assign(0);
        parts.forEach(p -> p.storeState(state));
        assertArrayEquals(whole.engine.updaterState().toFloatVector(), state.toFloatVector());
        parts.forEach(SlicedOptimizer::close);
    }

    /**
     * A slice is finite until one of its own parameters is not, wherever it sits: the BLAS sum's first element, the
     * last (a vector kernel's tail), or past the slice (which does not count); NaN and both infinities.
     */
    @Test
    void aSliceIsFiniteUntilOneOfItsParametersIsNot() {
        EngineCheck check = EngineCheck.of(List.of(30), 6, LAYERS, "optimizer.name=adam");
        INDArray params = check.engine.params();
        int n = Math.toIntExact(params.length());
        int from = 5;
        int to = n - 7;
        SlicedOptimizer slice = check.engine.slicedOptimizer(from, to).orElseThrow();
        float[] original = params.toFloatVector();
        assertTrue(slice.finite());
        for (int at : new int[] {from, from + 1, (from + to) / 2, to - 2, to - 1}) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                params.putScalar(0, at, bad);
                assertFalse(slice.finite(), bad + " at " + at);
                params.putScalar(0, at, original[at]);
            }
        }
        params.putScalar(0, from - 1, Float.NaN);
        params.putScalar(0, to, Float.POSITIVE_INFINITY);
        assertTrue(slice.finite(), "non-finite values outside the slice");
        slice.close();
    }

    @Test
    void regularizedNetworksStepInDl4jsUpdater() {
        EngineCheck check = EngineCheck.of(List.of(30), 6, LAYERS, "model.l2=0.01");
        assertFalse(((EngineTrainable) check.engine).stepsInPlace());
        assertTrue(check.engine.slicedOptimizer(0, 10).isEmpty());
    }
}
