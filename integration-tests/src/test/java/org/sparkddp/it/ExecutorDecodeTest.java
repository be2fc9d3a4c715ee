package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.driver.TrainingJob;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.data.JobData;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.spark.SparkSetup;

/**
 * CSV and LibSVM decoded by the executors: the same rows as one file, seven files, or one file read in many
 * splits train to bitwise-equal parameters; the executors' shards, evaluation slices and held-out validation
 * rows equal what the test's own reader builds ({@link TabularReference}); a bad row deep in
 * a split file is named by its line in the file. The context requires Kryo registration, as the command line
 * does for text data, so a decoded type missing from the registrator fails here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExecutorDecodeTest {
    private static final int ROWS = 600;

    private Path dir;
    private JavaSparkContext sc;
    private SparkSession spark;
    private List<String> lines;

    @BeforeAll
    void start(@TempDir Path tempDir) throws IOException {
        dir = tempDir;
        lines = rows(new Random(11));
        Files.writeString(dir.resolve("one.csv"), "a,b,c,d,e,label\n" + String.join("\n", lines) + "\n");
        Path seven = Files.createDirectories(dir.resolve("seven"));
        int[] cuts = {0, 13, 140, 141, 300, 420, 555, ROWS}; // uneven, one file of a single row
        for (int f = 0; f < 7; f++) {
            Files.writeString(seven.resolve(String.format(Locale.ROOT, "part-%02d.csv", f)),
                    "a,b,c,d,e,label\n" + String.join("\n", lines.subList(cuts[f], cuts[f + 1])) + "\n");
        }
        Files.writeString(seven.resolve("_SUCCESS"), ""); // a marker, not data
        Files.writeString(seven.resolve("part-07.csv"), ""); // an empty part, as Spark writes for an empty partition
        Files.writeString(seven.resolve("part-08.csv"), "\n\n"); // blank lines only
        // The same seven files gzipped (each one task), with Windows line ends and a byte-order mark.
        Path gzipped = Files.createDirectories(dir.resolve("seven-gz"));
        for (int f = 0; f < 7; f++) {
            String text = "\uFEFFa,b,c,d,e,label\r\n" + String.join("\r\n", lines.subList(cuts[f], cuts[f + 1]))
                    + "\r\n";
            try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(
                    gzipped.resolve(String.format(Locale.ROOT, "part-%02d.csv.gz", f))))) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
        }
        StringBuilder svm = new StringBuilder();
        for (String line : lines) {
            String[] f = line.split(",");
            svm.append(f[5]);
            for (int i = 0; i < 5; i++) {
                if (!f[i].equals("0")) {
                    svm.append(' ').append(i + 1).append(':').append(f[i]);
                }
            }
            svm.append('\n');
        }
        Files.writeString(dir.resolve("one.svm"), svm.toString());
        sc = SharedSpark.start(config("one.csv"));
        spark = SparkSetup.session(sc);
    }

    @AfterAll
    void stop() {
        sc.stop();
    }

    /** Seeded rows of 5 features (some exactly 0, for LibSVM's sparsity) and a class label in 0..2. */
    private static List<String> rows(Random random) {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            int label = random.nextInt(3);
            StringBuilder row = new StringBuilder();
            for (int f = 0; f < 5; f++) {
                float v = random.nextInt(4) == 0 ? 0f : (float) (label * (f + 1) + random.nextGaussian() * 3);
                row.append(v == 0f ? "0" : Float.toString(v)).append(',');
            }
            rows.add(row.append(label).toString());
        }
        return rows;
    }

    /** Runs configured so far: each gets an output directory of its own. */
    private int runs;

    private ConfigLoader.Loaded config(String train, String... more) {
        List<String> settings = new ArrayList<>(List.of("data.format=csv", "data.csv.header=true",
                "data.train=" + dir.resolve(train), "data.test=" + dir.resolve("one.csv"), "data.normalize=scale",
                "output.dir=" + dir.resolve("out-" + train.replace('/', '-') + "-" + (++runs)), // a run never reuses one
                "spark.master=local[2]", "spark.ui.enabled=false", "training.workers=2", "training.mode=sync",
                "training.batch-size=32", "training.epochs=1", "training.max-iterations=6",
                "model.layers=[{type=dense, units=8}]", "data.virtual-shards=16"));
        settings.addAll(List.of(more));
        return ConfigLoader.load(null, settings);
    }

    private JobData open(ConfigLoader.Loaded loaded) {
        return JobData.open(loaded.config().data(), loaded.config().validation(), loaded.config().training().seed(),
                TargetKind.CLASS_INDEX, new Configuration(), Optional.of(spark));
    }

    private float[] train(ConfigLoader.Loaded loaded) throws IOException {
        TrainingJob job = new TrainingJob(loaded, new Configuration(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
        return job.run(sc, job.prepare(Optional.of(spark))).model().params();
    }

    @Test
    void oneFileSevenFilesAndManySplitsTrainToTheSameParameters() throws IOException {
        // Also seven gzipped files with \r\n line ends: gzip, a byte-order mark and CRLF change no row.
        float[] one = train(config("one.csv"));
        float[] seven = train(config("seven"));
        float[] splits = train(config("one.csv", "data.split-size=700B"));
        float[] gzipped = train(config("seven-gz"));
        assertArrayEquals(one, seven, 0f);
        assertArrayEquals(one, gzipped, 0f);
        assertArrayEquals(one, splits, 0f);
        // 700-byte splits of a ~20 KB file: many blocks, so the split arithmetic is exercised, not bypassed.
        JobData split = open(config("one.csv", "data.split-size=700B"));
        assertEquals(ROWS, split.train().size());
        assertTrue(sc.getPersistentRDDs().values().stream().anyMatch(r -> r.getNumPartitions() > 20));
    }

    @Test
    void csvShardsSlicesAndHeldOutRowsEqualTheReference() {
        for (String normalize : List.of("standardize", "scale", "none")) {
            assertSameAsReference(config("one.csv", "data.normalize=" + normalize, "validation.fraction=0.2"));
        }
        // Many splits: min and max merge exactly, so scale is still bitwise the reference's.
        assertSameAsReference(config("one.csv", "data.split-size=700B", "validation.fraction=0.2"));
        // (The reference reads one file only; seven files are compared to it through training, above.)
    }

    @Test
    void libsvmShardsEqualTheReference() {
        assertSameAsReference(config("one.svm", "data.format=libsvm", "data.test=" + dir.resolve("one.svm"),
                "data.split-size=900B", "data.normalize=none"));
        assertSameAsReference(config("one.svm", "data.format=libsvm", "data.test=" + dir.resolve("one.svm"),
                "validation.fraction=0.3", "data.normalize=scale"));
    }

    private void assertSameAsReference(ConfigLoader.Loaded loaded) {
        DataConfig data = loaded.config().data();
        double fraction = loaded.config().validation().fraction();
        JobData executors = open(loaded);
        Datasets reference = TabularReference.load(data, TargetKind.CLASS_INDEX, fraction,
                loaded.config().training().seed());
        assertEquals(reference.train().size(), executors.train().size());
        assertEquals(reference.train().targetWidth(), executors.train().targetWidth());
        assertEquals(reference.train().numFeatures(), executors.train().numFeatures());
        VirtualShards virtual = VirtualShards.of(reference.train().size(), 16);
        try (ShardedData want = ShardedData.forTraining(sc, reference.train(), virtual, 2, "reference");
             ShardedData got = executors.train().shards(sc, virtual, 2, "executors");
             ShardedData wantTest = ShardedData.forEvaluation(sc, reference.test(), 3, "reference test");
             ShardedData gotTest = executors.test().slices(sc, 3, "executors test")) {
            assertSameShards(want, got);
            assertSameShards(wantTest, gotTest);
            assertEquals(want.metrics(), got.metrics());
        }
        assertEquals(reference.validation().isPresent(), executors.validation().isPresent());
        if (reference.validation().isPresent()) {
            assertEquals(ROWS, reference.train().size() + reference.validation().get().size());
            try (ShardedData want = ShardedData.forEvaluation(sc, reference.validation().get(), 2, "reference held");
                 ShardedData got = executors.validation().get().slices(sc, 2, "executors held")) {
                assertSameShards(want, got);
            }
        }
    }

    /** Every feature of every row, read as training reads them, whatever the storage. */
    private static float[] rows(LabeledExamples examples) {
        int d = examples.numFeatures();
        float[] all = new float[examples.size() * d];
        for (int r = 0; r < examples.size(); r++) {
            examples.features().copyRow(r, all, r * d);
        }
        return all;
    }

    static void assertSameShards(ShardedData expected, ShardedData actual) {
        assertArrayEquals(expected.shardSizes(), actual.shardSizes());
        List<LabeledExamples> want = expected.rdd().collect();
        List<LabeledExamples> got = actual.rdd().collect();
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(rows(want.get(i)), rows(got.get(i)), 0f, "features of partition " + i);
            assertArrayEquals(want.get(i).classLabels().labels(), got.get(i).classLabels().labels(),
                    "labels of partition " + i);
            assertEquals(want.get(i).targetWidth(), got.get(i).targetWidth());
        }
    }

    @Test
    void aBadRowInALaterSplitIsNamedByItsLineInTheFile() throws IOException {
        List<String> bad = new ArrayList<>(lines);
        bad.set(450, bad.get(450) + ",7"); // line 452: the header is line 1
        String row = bad.get(500);
        bad.set(500, row.substring(0, row.lastIndexOf(',')) + ",5"); // line 502
        Path file = dir.resolve("bad.csv");
        Files.writeString(file, "a,b,c,d,e,label\n" + String.join("\n", bad) + "\n");
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> open(config("bad.csv", "data.split-size=500B")));
        assertEquals(file + ":452: expected 6 fields but got 7", e.getMessage());
        // data.classes: the label 5 on line 502 is no class of 3.
        Files.writeString(file, "a,b,c,d,e,label\n" + String.join("\n", bad.subList(460, ROWS)) + "\n");
        Exception classes = assertThrows(InvalidDataException.class,
                () -> open(config("bad.csv", "data.split-size=500B", "data.classes=3")));
        assertEquals(file + ":42: class label 5 is outside data.classes = 3 (labels 0..2)", classes.getMessage());
        // Skipped: counted, and the rest read.
        JobData skipped = open(config("bad.csv", "data.split-size=500B", "data.classes=3", "data.on-bad-row=skip"));
        assertEquals(1, skipped.trainRowsSkipped());
        assertEquals(ROWS - 460 - 1, skipped.train().size());
        assertEquals(3, skipped.train().targetWidth());
    }

    /** {@code data.classes} on a small CSV file, its test file the same one (the cases of {@link DataClassesTest}). */
    @Test
    void aCsvLabelAtOrAboveDataClassesIsABadRowNamedByLine() throws IOException {
        Path train = dir.resolve("classes.csv");
        Files.writeString(train, "a,b,label\n0.5,1,0\n0.25,2,1\n1.5,3,12\n2,4,2\n");
        String[] same = {"data.test=" + train, "data.normalize=none"};
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> open(config("classes.csv", concat(same, "data.classes=10"))));
        assertEquals(train + ":4: class label 12 is outside data.classes = 10 (labels 0..9)", e.getMessage());

        JobData skipped = open(config("classes.csv", concat(same, "data.classes=10", "data.on-bad-row=skip")));
        assertEquals(3, skipped.train().size());
        assertEquals(1, skipped.trainRowsSkipped());
        assertEquals(1, skipped.testRowsSkipped());
        assertEquals(10, skipped.train().targetWidth());

        // Without data.classes: the largest label + 1, the bad row is a class like any other; a test file without
        // the largest class still has the training set's classes.
        assertEquals(13, open(config("classes.csv", same)).train().targetWidth());
        Path small = dir.resolve("classes-test.csv");
        Files.writeString(small, "a,b,label\n1,2,0\n");
        assertEquals(13, open(config("classes.csv", "data.test=" + small)).test().targetWidth());
    }

    @Test
    void aSingleClassOrNothingButBadRowsFailsNamingTheFile() throws IOException {
        Path single = dir.resolve("single.csv");
        Files.writeString(single, "a,label\n1,0\n2,0\n");
        assertEquals(single + ": holds a single class (every label is 0)", assertThrows(InvalidDataException.class,
                () -> open(config("single.csv", "data.test=" + single))).getMessage());
        Path bad = dir.resolve("all-bad.csv");
        Files.writeString(bad, "a,b,label\n1,2\n3,4\n"); // two fields where the header has three
        assertEquals(bad + ": holds no examples (all 2 rows were bad and skipped)",
                assertThrows(InvalidDataException.class, () -> open(config("all-bad.csv", "data.test=" + bad,
                        "data.on-bad-row=skip"))).getMessage());
    }

    private static String[] concat(String[] first, String... more) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void missingAndCorruptFilesFailInOneLineNamingThem() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("part-00.csv"), "");
        assertEquals(empty + ": holds no examples",
                assertThrows(InvalidDataException.class, () -> open(config("empty"))).getMessage());
        Path missing = dir.resolve("nothing-here.csv");
        assertEquals(missing + ": no such file",
                assertThrows(InvalidDataException.class, () -> open(config("nothing-here.csv"))).getMessage());
        Path corrupt = dir.resolve("corrupt.csv.gz");
        Files.write(corrupt, new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3, 4, 5, 6});
        Exception e = assertThrows(Exception.class, () -> open(config("corrupt.csv.gz")));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        org.sparkddp.driver.Main.report(e, new PrintStream(err, true, StandardCharsets.UTF_8));
        String message = err.toString(StandardCharsets.UTF_8).strip();
        assertTrue(message.startsWith("spark-ddp: error: " + corrupt + ": ") && message.lines().count() == 1,
                message);
    }
}
