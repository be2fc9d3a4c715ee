package org.sparkddp.common.data.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.ShardBuilder;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.data.UnsignedByteFeatures;
import org.sparkddp.common.wire.WireKryoRegistrator;
import scala.reflect.ClassTag$;

/** A shard over its budget goes to disk once and reads back exactly, with and without read-ahead. */
class SpillTest {
    private static final int ROWS = 300;
    private static final int COLUMNS = 16;

    private static byte[] pixels() {
        byte[] pixels = new byte[ROWS * COLUMNS];
        new Random(5).nextBytes(pixels);
        return pixels;
    }

    /** A shard of 4,800 feature bytes built under a budget of 1,000, in chunks of 64. */
    private static LabeledExamples spilledImages(byte[] pixels) {
        ShardBuilder builder = ShardBuilder.images(new int[] {1, 4, 4}, 10, new ShardStorage(1000, 64));
        for (int r = 0; r < ROWS; r++) {
            builder.addImage(pixels, r * COLUMNS, r % 10);
            assertEquals((r + 1) * COLUMNS > 1000, builder.spilled(), "row " + r);
        }
        return builder.build();
    }

    private static SpilledBytes store(LabeledExamples shard) {
        return (SpilledBytes) ((StoredFeatures) shard.features()).store();
    }

    @Test
    void aShardOverItsBudgetReadsBackFromDiskRowForRow() throws java.io.IOException {
        byte[] pixels = pixels();
        UnsignedByteFeatures plain = new UnsignedByteFeatures(ROWS, COLUMNS, pixels, new int[] {1, 4, 4});
        LabeledExamples shard = spilledImages(pixels);
        SpilledBytes store = store(shard);
        try {
            assertTrue(Files.isRegularFile(store.path()));
            assertEquals(ROWS * COLUMNS, Files.size(store.path()));
            assertArrayEquals(Rows.all(plain), Rows.all(shard.features()), 0f);
            assertArrayEquals(new int[] {1, 4, 4}, shard.inputShape());
            assertEquals(7, shard.classLabels().labels()[7]);
            int[] picked = Rows.shuffled(ROWS, 6);
            assertArrayEquals(Rows.all(plain.select(picked)), Rows.all(shard.features().select(picked)), 0f);
        } finally {
            store.release();
        }
        assertFalse(Files.exists(store.path()), "released");
        assertThrows(IllegalStateException.class, () -> shard.features().copyRow(0, new float[COLUMNS], 0));
    }

    /** As the stage loop reads: iteration t + 1's rows asked for, then iteration t's rows read. */
    @Test
    void rowsReadAheadAreTheRowsAsked() {
        byte[] pixels = pixels();
        UnsignedByteFeatures plain = new UnsignedByteFeatures(ROWS, COLUMNS, pixels);
        LabeledExamples shard = spilledImages(pixels);
        try {
            int[] order = Rows.shuffled(ROWS, 7);
            int batch = 32;
            int[][] batches = new int[(ROWS + batch - 1) / batch][];
            for (int t = 0; t < batches.length; t++) {
                batches[t] = java.util.Arrays.copyOfRange(order, t * batch, Math.min(ROWS, (t + 1) * batch));
            }
            shard.features().prefetch(batches[0]);
            for (int t = 0; t < batches.length; t++) {
                if (t + 1 < batches.length) {
                    shard.features().prefetch(batches[t + 1]);
                }
                assertArrayEquals(Rows.of(plain, batches[t]), Rows.of(shard.features(), batches[t]), 0f,
                        "iteration " + t);
            }
            // Rows not asked for are read directly; a repeated row within a batch too.
            shard.features().prefetch(new int[] {3, 3, 299});
            assertArrayEquals(Rows.of(plain, new int[] {3, 0, 299, 3}),
                    Rows.of(shard.features(), new int[] {3, 0, 299, 3}), 0f);
        } finally {
            store(shard).release();
        }
    }

    @Test
    void floatRowsSpillWithTheirBits() {
        ShardBuilder builder = ShardBuilder.tabular(3, new int[] {3}, TargetKind.CLASS_INDEX, 2,
                new ShardStorage(0, 8));
        float[][] rows = {{1.5f, Float.NaN, -0f}, {Float.MAX_VALUE, 2, 3}};
        for (int r = 0; r < rows.length; r++) {
            builder.addRow(rows[r], new float[] {r});
        }
        LabeledExamples shard = builder.build();
        try {
            assertTrue(builder.spilled());
            float[] row = new float[3];
            for (int r = 0; r < rows.length; r++) {
                shard.features().copyRow(r, row, 0);
                for (int c = 0; c < 3; c++) {
                    assertEquals(Float.floatToRawIntBits(rows[r][c]), Float.floatToRawIntBits(row[c]));
                }
            }
            assertArrayEquals(new int[] {0, 1}, shard.classLabels().labels());
        } finally {
            store(shard).release();
        }
    }

    @Test
    void aSpilledShardRefusesToLeaveItsJvm() {
        SerializerInstance kryo = new KryoSerializer(new SparkConf()
                .set("spark.kryo.registrator", WireKryoRegistrator.class.getName())
                .set("spark.kryo.registrationRequired", "true")).newInstance();
        LabeledExamples shard = spilledImages(pixels());
        try {
            var tag = ClassTag$.MODULE$.<LabeledExamples>apply(LabeledExamples.class);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> kryo.serialize(shard, tag));
            assertTrue(e.getMessage().contains(store(shard).path().toString()), e.getMessage());
            assertTrue(e.getMessage().contains("cannot be serialized to another JVM"), e.getMessage());
            assertFalse((Object) store(shard) instanceof java.io.Serializable, "nor through Java serialization");
        } finally {
            store(shard).release();
        }
    }

    /** What happens when Spark drops or unpersists a cached shard: nothing holds it, and its file goes. */
    @Test
    void theFileGoesWhenTheShardIsDropped() throws InterruptedException {
        Path path = store(spilledImages(pixels())).path();
        assertTrue(Files.exists(path));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (Files.exists(path) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertFalse(Files.exists(path), "the spill file outlived its shard");
    }
}
