package org.sparkddp.common.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.DenseFeatures;
import org.sparkddp.common.data.RealTargets;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.UnsignedByteFeatures;
import org.sparkddp.common.eval.ClassificationAggregator;
import org.sparkddp.common.eval.RegressionAggregator;
import scala.reflect.ClassTag$;

/** Every wire type round-trips through Spark's own Kryo serializer, configured as jobs configure it. */
class WireKryoRegistratorTest {
    private static final SerializerInstance KRYO = new KryoSerializer(new SparkConf()
            .set("spark.kryo.registrator", WireKryoRegistrator.class.getName())
            .set("spark.kryo.registrationRequired", "true")).newInstance();

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) {
        scala.reflect.ClassTag<T> tag = (scala.reflect.ClassTag<T>) ClassTag$.MODULE$.apply(value.getClass());
        return KRYO.deserialize(KRYO.serialize(value, tag), tag);
    }

    private static float[] floats(int n, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        values[n / 2] = Float.NaN;
        values[n / 3] = -0f;
        return values;
    }

    @Test
    void modelStateIsBitExact() {
        ModelState state = new ModelState(floats(40_001, 1), floats(80_002, 2), 1234, 5);
        assertEquals(state, roundTrip(state));
        ModelState empty = new ModelState(new float[0], new float[0], 0, 0);
        assertEquals(empty, roundTrip(empty));
    }

    @Test
    void stageReportsWithAndWithoutState() {
        StageReport lead = new StageReport(0, 10, floats(7, 3), new long[] {1, 2, 3}, 99, 11, 17,
                new long[] {0xCAFEBABEL, 7}, -1,
                new ExecutorProcess("3", "127.0.0.2", 4242, "/work/app-1/3"),
                new ComputePath("the CPU engine", "sync, replicated optimizer"));
        StageReport back = roundTrip(lead);
        assertEquals(lead.computePath(), back.computePath());
        assertEquals(lead.process(), back.process());
        assertEquals("/work/app-1/3/hs_err_pid4242.log", back.process().crashReport());
        assertArrayEquals(lead.losses(), back.losses(), 0f);
        assertArrayEquals(lead.endNanos(), back.endNanos());
        assertEquals(17, back.reachedIteration());
        assertArrayEquals(lead.storedCrcs(), back.storedCrcs());
        assertEquals(11, back.syncNanos());
        StageReport other = roundTrip(new StageReport(1, 10, new float[0], new long[0], 5, 6, 12, new long[0], 12,
                new ExecutorProcess("driver", "localhost", 1, "/"), ComputePath.UNREPORTED));
        assertEquals(0, other.storedCrcs().length);
        assertEquals(ComputePath.UNREPORTED, other.computePath());
        assertEquals(12, other.divergedAt());
    }

    @Test
    void examplesAndAggregators() {
        LabeledExamples examples = new LabeledExamples(new UnsignedByteFeatures(3, 2, new byte[] {1, 2, 3, (byte) 250, 5, 6}),
                new ClassLabels(4, new int[] {3, 0, 2}));
        LabeledExamples back = roundTrip(examples);
        assertArrayEquals(((UnsignedByteFeatures) examples.features()).data(), ((UnsignedByteFeatures) back.features()).data());
        assertArrayEquals(examples.classLabels().labels(), back.classLabels().labels());
        ClassificationAggregator aggregator = new ClassificationAggregator(2, 10, 3.5, 7, new long[] {4, 1, 2, 3},
                6.25);
        ClassificationAggregator copy = roundTrip(aggregator);
        assertEquals(7, copy.correct());
        assertEquals(0.625, copy.meanTrueClassProbability(), 0.0);
        assertArrayEquals(aggregator.confusion(), copy.confusion());
    }

    @Test
    void tabularExamplesWithRealTargetsAndImageShapes() {
        LabeledExamples dense = new LabeledExamples(new DenseFeatures(2, 3, floats(6, 5)),
                new RealTargets(2, new float[] {0.5f, -1f, 1e-7f, 3f}));
        LabeledExamples back = roundTrip(dense);
        assertArrayEquals(((DenseFeatures) dense.features()).data(), ((DenseFeatures) back.features()).data(), 0f);
        assertEquals(2, back.targetWidth());
        assertArrayEquals(((RealTargets) dense.targets()).values(), ((RealTargets) back.targets()).values(), 0f);

        LabeledExamples image = new LabeledExamples(new UnsignedByteFeatures(1, 4, new byte[] {1, 2, 3, 4},
                new int[] {1, 2, 2}), new ClassLabels(3, new int[] {2}));
        assertArrayEquals(new int[] {1, 2, 2}, roundTrip(image).inputShape());

        RegressionAggregator binary = new RegressionAggregator(1, true, 9, new double[] {2.25}, 7, new double[] {4.5},
                new double[] {5}, new double[] {5});
        RegressionAggregator copy = roundTrip(binary);
        assertEquals(binary.meanSquaredError(), copy.meanSquaredError(), 0.0);
        assertEquals(7.0 / 9, copy.accuracy(), 0.0);
        assertEquals(0.5, copy.meanAbsoluteError(0), 0.0);
        assertEquals(binary.r2(0), copy.r2(0), 0.0);
        RegressionAggregator wide = roundTrip(new RegressionAggregator(3, false, 4, new double[] {1, 2, 3}, 0,
                new double[3], new double[3], new double[3]));
        assertArrayEquals(new double[] {1, 2, 3}, wide.squaredErrors(), 0.0);
        assertEquals(false, wide.hasAccuracy());
    }

    /** Shards built on executors, in chunks (here of 5 bytes, so rows straddle them), cross JVMs whole. */
    @Test
    void chunkedShardsRoundTrip() {
        org.sparkddp.common.data.ShardBuilder images = org.sparkddp.common.data.ShardBuilder.images(
                new int[] {1, 1, 3}, 4, org.sparkddp.common.data.shard.ShardStorage.IN_MEMORY.withChunkBytes(5));
        byte[] pixels = {1, 2, 3, (byte) 250, 5, 6, 7, 8, 9};
        for (int r = 0; r < 3; r++) {
            images.addImage(pixels, r * 3, r);
        }
        LabeledExamples shard = images.build();
        LabeledExamples back = roundTrip(shard);
        assertArrayEquals(new int[] {1, 1, 3}, back.inputShape());
        assertArrayEquals(shard.classLabels().labels(), back.classLabels().labels());
        assertArrayEquals(rows(new UnsignedByteFeatures(3, 3, pixels)), rows(back.features()), 0f);

        org.sparkddp.common.data.ShardBuilder tabular = org.sparkddp.common.data.ShardBuilder.tabular(3,
                new int[] {3}, org.sparkddp.common.data.TargetKind.REAL, 1,
                org.sparkddp.common.data.shard.ShardStorage.IN_MEMORY.withChunkBytes(5));
        float[] values = floats(6, 8);
        tabular.addRow(values, new float[] {0.5f});
        tabular.addRow(java.util.Arrays.copyOfRange(values, 3, 6), new float[] {-2f});
        LabeledExamples dense = roundTrip(tabular.build());
        assertArrayEquals(values, rows(dense.features()), 0f);
        assertArrayEquals(new float[] {0.5f, -2f}, ((RealTargets) dense.targets()).values(), 0f);
    }

    private static float[] rows(org.sparkddp.common.data.FeatureMatrix features) {
        float[] all = new float[features.rows() * features.columns()];
        for (int r = 0; r < features.rows(); r++) {
            features.copyRow(r, all, r * features.columns());
        }
        return all;
    }
}
