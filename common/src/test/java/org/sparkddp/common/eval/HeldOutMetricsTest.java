package org.sparkddp.common.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.DenseFeatures;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.RealTargets;

class HeldOutMetricsTest {
    private static INDArray outputs(int rows, int columns, float... values) {
        return Nd4j.create(values, new long[] {rows, columns}, 'c');
    }

    @Test
    void regressionErrorOverBatchesAndMergedPartialsMatchesAHandComputation() {
        // Targets of width 2 for 3 examples; errors: (0.5, -1), (0, 2), (1, 0) -> squares 0.25+1, 0+4, 1+0.
        RealTargets targets = new RealTargets(2, new float[] {1, 2, 3, 4, 5, 6});
        float[] predicted = {1.5f, 1, 3, 6, 6, 6};
        HeldOutMetrics whole = new MetricsSpec(MetricsSpec.Kind.REGRESSION, 2).zero()
                .add(outputs(3, 2, predicted), targets, 0);
        HeldOutMetrics first = new RegressionAggregator(2, false).add(outputs(1, 2, 1.5f, 1), targets, 0);
        HeldOutMetrics rest = new RegressionAggregator(2, false).add(outputs(2, 2, 3, 6, 6, 6), targets, 1);
        HeldOutMetrics merged = new RegressionAggregator(2, false).merge(first).merge(rest);
        for (HeldOutMetrics m : List.of(whole, merged)) {
            assertEquals(3, m.examples());
            assertEquals(6.25 / 6, m.meanLoss(), 1e-12);
            assertEquals("mse", m.lossName());
            assertFalse(m.hasAccuracy());
            assertTrue(Double.isNaN(m.accuracy()));
            assertEquals(List.of(1.25 / 3, 5.0 / 3), m.details().get("test_mse_per_target"));
        }
        assertArrayEquals(new double[] {1.25, 5}, ((RegressionAggregator) merged).squaredErrors(), 1e-12);
    }

    @Test
    void binaryTargetAlsoCountsAccuracyAtOneHalf() {
        RealTargets targets = new RealTargets(1, new float[] {1, 0, 1, 0});
        assertTrue(targets.isBinary());
        MetricsSpec spec = MetricsSpec.of(targets);
        assertEquals(MetricsSpec.Kind.BINARY, spec.kind());
        // 0.9 -> 1 right; 0.5 -> 1 wrong; 0.2 -> 0 wrong; 0.1 -> 0 right.
        HeldOutMetrics m = spec.zero().add(outputs(4, 1, 0.9f, 0.5f, 0.2f, 0.1f), targets, 0);
        assertTrue(m.hasAccuracy());
        assertEquals(0.5, m.accuracy(), 0.0);
        double sse = 0.01 + 0.25 + 0.64 + 0.01;
        assertEquals(sse / 4, m.meanLoss(), 1e-7);
        assertEquals(MetricsSpec.Kind.REGRESSION, MetricsSpec.of(new RealTargets(1, new float[] {0, 0.5f})).kind());
    }

    @Test
    void classificationThroughTheInterfaceMatchesTheLabelsPath() {
        ClassLabels labels = new ClassLabels(3, new int[] {0, 2, 1, 2});
        INDArray p = outputs(4, 3, 0.7f, 0.2f, 0.1f, 0.1f, 0.1f, 0.8f, 0.6f, 0.3f, 0.1f, 0.2f, 0.2f, 0.6f);
        HeldOutMetrics viaTargets = MetricsSpec.of(labels).zero().add(p, labels, 0);
        ClassificationAggregator direct = new ClassificationAggregator(3).add(p, labels.labels());
        assertEquals(0.75, viaTargets.accuracy(), 0.0);
        assertEquals(direct.meanLoss(), viaTargets.meanLoss(), 0.0);
        assertEquals(-(Math.log(0.7f) + Math.log(0.8f) + Math.log(0.3f) + Math.log(0.6f)) / 4, viaTargets.meanLoss(),
                1e-6);
        assertEquals("loss", viaTargets.lossName());
        assertEquals(List.of(List.of(1L, 0L, 0L), List.of(1L, 0L, 0L), List.of(0L, 0L, 2L)),
                viaTargets.details().get("confusion_matrix"));
    }

    @Test
    void mismatchedKindsAndDimensionsAreRefused() {
        RealTargets targets = new RealTargets(2, new float[] {1, 2});
        assertThrows(IllegalArgumentException.class, () -> new RegressionAggregator(2, false).merge(
                new RegressionAggregator(3, false)));
        assertThrows(IllegalArgumentException.class, () -> new RegressionAggregator(1, false).merge(
                new ClassificationAggregator(2)));
        assertThrows(IllegalArgumentException.class, () -> new ClassificationAggregator(2).merge(
                new RegressionAggregator(1, false)));
        assertThrows(IllegalArgumentException.class, () -> new RegressionAggregator(3, false)
                .add(outputs(1, 2, 0, 0), targets, 0));
        assertThrows(IllegalArgumentException.class, () -> new ClassificationAggregator(2)
                .add(outputs(1, 2, 0, 0), targets, 0));
        assertTrue(Double.isNaN(new RegressionAggregator(2, false).meanLoss()), "no examples: no error yet");
    }

    @Test
    void scorerScoresChunksWithTheSpecsMetrics() {
        LabeledExamples examples = new LabeledExamples(new DenseFeatures(3, 1, new float[] {1, 2, 3}),
                new RealTargets(1, new float[] {2, 4, 7}));
        // A "network" that doubles its input: errors 0, 0, -1.
        HeldOutMetrics m = new HeldOutScorer(f -> f.mul(2), 1, MetricsSpec.of(examples.targets()))
                .add(examples).result();
        assertEquals(1.0 / 3, m.meanLoss(), 1e-7);
    }
}
