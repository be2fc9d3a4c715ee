package org.sparkddp.worker.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.stream.LongStream;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.UnsignedByteFeatures;
import org.sparkddp.common.plan.VirtualShards;

/** What the step-rule tests share: seeded random examples, a worker's shard of them, and a difference of vectors. */
final class StageFixtures {
    private StageFixtures() {
    }

    /** {@code examples} random byte images of {@code features} pixels with labels below {@code classes}, seed 1. */
    static LabeledExamples randomExamples(int examples, int features, int classes) {
        Random random = new Random(1);
        byte[] pixels = new byte[examples * features];
        random.nextBytes(pixels);
        int[] labels = random.ints(examples, 0, classes).toArray();
        return new LabeledExamples(new UnsignedByteFeatures(examples, features, pixels),
                new ClassLabels(classes, labels));
    }

    /** Worker {@code rank}'s rows, in local order, as the driver's shuffle would hand them to it. */
    static LabeledExamples shardOf(LabeledExamples all, VirtualShards shards, int rank, int workers) {
        int[] rows = LongStream.range(0, shards.localSize(rank, workers))
                .mapToInt(i -> Math.toIntExact(shards.rowAt(rank, workers, i))).toArray();
        return all.select(rows);
    }

    static double maxAbsoluteDifference(float[] a, float[] b) {
        assertEquals(a.length, b.length, "lengths differ");
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
