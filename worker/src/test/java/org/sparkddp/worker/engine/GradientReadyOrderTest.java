package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The backward pass announces each DL4J layer's gradient range once, when it is final: what the range holds at the
 * announcement is what it holds after the pass, bit for bit; the ranges are disjoint and cover every parameter. Over a
 * chain, a CNN with batch norm and a residual graph (whose shortcut sums deliver a node's input gradient twice).
 */
class GradientReadyOrderTest {
    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "resnet"})
    void eachRangeIsFinalWhenAnnouncedAndTheyTileTheParameters(String kind) {
        EngineCheck check = switch (kind) {
            case "mlp" -> EngineCheck.of(List.of(13), 4, "model.layers=[{type=dense,units=9},{type=dense,units=5}]");
            case "cnn" -> EngineCheck.of(List.of(1, 8, 8), 3, "model.layers=[{type=conv,filters=3,kernel=3},"
                    + "{type=batch-norm},{type=max-pool,kernel=2},{type=flatten},{type=dense,units=6}]");
            default -> EngineCheck.of(List.of(1, 8, 8), 3, "model.weight-init=he", "model.layers=[{type=conv,"
                    + "filters=4,kernel=3,padding=same},{type=residual,filters=4},{type=residual,filters=6,stride=2},"
                    + "{type=flatten}]");
        };
        List<int[]> order = check.engine.gradientReadyOrder();
        long params = check.engine.params().length();
        assertTrue(order.size() >= 2, kind + ": " + order.size() + " ranges");
        float[][] atAnnouncement = new float[order.size()][];
        DataSet batch = check.batch(6, 3, true);
        check.engine.computeGradient(batch, k -> {
            assertEquals(null, atAnnouncement[k], "range " + k + " announced twice");
            int[] r = order.get(k);
            atAnnouncement[k] = check.engine.gradients().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(r[0], r[1])).toFloatVector();
        });
        float[] finalGradient = check.engine.gradients().toFloatVector();
        long covered = 0;
        for (int k = 0; k < order.size(); k++) {
            int[] r = order.get(k);
            assertTrue(atAnnouncement[k] != null, kind + ": range " + k + " never announced");
            assertArrayEquals(Arrays.copyOfRange(finalGradient, r[0], r[1]), atAnnouncement[k], 0f,
                    kind + ": range " + k + " changed after it was announced");
            covered += r[1] - r[0];
        }
        int[][] sorted = order.toArray(new int[0][]);
        Arrays.sort(sorted, (a, b) -> Integer.compare(a[0], b[0]));
        for (int k = 1; k < sorted.length; k++) {
            assertTrue(sorted[k - 1][1] <= sorted[k][0], kind + ": ranges overlap");
        }
        assertEquals(params, covered, kind + ": the ranges cover every parameter");
        // The engine's gradient is DL4J's, so the announcements carried the right floats, not only final ones.
        check.gradientsAgree(batch, 3);
    }
}
