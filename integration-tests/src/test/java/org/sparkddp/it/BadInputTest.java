package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.BadInputs.args;
import static org.sparkddp.it.BadInputs.evaluate;
import static org.sparkddp.it.BadInputs.model;
import static org.sparkddp.it.BadInputs.predict;
import static org.sparkddp.it.BadInputs.rawCopy;
import static org.sparkddp.it.BadInputs.rawLabels;
import static org.sparkddp.it.BadInputs.search;
import static org.sparkddp.it.BadInputs.tabular;
import static org.sparkddp.it.BadInputs.withCount;
import static org.sparkddp.it.BadInputs.withMagic;
import static org.sparkddp.it.BadInputs.zip;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkddp.driver.Main;

/**
 * Bad input is normal input: each case exits non-zero with one line that names the file, line or key at fault,
 * and writes no summary.json or model.zip. Runs the real command line, in process; the cases' files and command
 * lines are made by {@link BadInputs}.
 */
class BadInputTest {
    private static final String NO_HOST = "an hdfs: URI with no host: give the namenode, hdfs://HOST:PORT/path, or"
            + " set spark.hadoop.fs.defaultFS";

    @TempDir
    Path dir;

    /** @param expected text the one-line error must contain; "{dir}" stands for the case's temporary directory */
    record Case(String name, String expected, Setup setup) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface Setup {
        /** Prepares files under dir and returns the command line: a command and its arguments. */
        List<String> prepare(Path dir) throws IOException;
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("missing data path", "{dir}/nowhere/train-images-idx3-ubyte.gz: no such file",
                        d -> args(d, "data.train=" + d.resolve("nowhere/train-images-idx3-ubyte.gz"))),
                new Case("images file not named like IDX", "data.train: '{dir}/train.bin' is not named like an IDX",
                        d -> args(d, "data.train=" + d.resolve("train.bin"))),
                new Case("IDX truncated mid-image", "train-images-idx3-ubyte: truncated: the header declares 2000 items",
                        d -> args(d, "data.train=" + rawCopy(d, 0, "train", b -> Arrays.copyOf(b, 16 + 784 * 10 + 300)))),
                new Case("IDX truncated, read in splits", "train-images-idx3-ubyte: truncated: the header declares"
                        + " 2000 items (1568000 bytes of data) but the file ends after 8140 bytes, inside item 10",
                        d -> args(d, "data.split-size=4K",
                                "data.train=" + rawCopy(d, 0, "train", b -> Arrays.copyOf(b, 16 + 784 * 10 + 300)))),
                new Case("IDX with bytes past its data, read in splits", "train-images-idx3-ubyte: has bytes after the"
                        + " 1568000 bytes of data its header declares", d -> args(d, "data.split-size=4K",
                        "data.train=" + rawCopy(d, 0, "train", b -> Arrays.copyOf(b, b.length + 3)))),
                new Case("split size without a unit", "--set: data.split-size: expected a size with a unit, such as 32M"
                        + " or 128MiB but got '4096'", d -> args(d, "data.split-size=4096")),
                new Case("IDX with the wrong magic", "train-images-idx3-ubyte: wrong magic number 0x00000801",
                        d -> args(d, "data.train=" + rawCopy(d, 0, "train", b -> withMagic(b, 0x00000801)))),
                new Case("image and label counts disagree", "has 2000 images but", d -> {
                    Path images = rawCopy(d, 0, "train", b -> b);
                    rawLabels(d, "train", b -> withCount(Arrays.copyOf(b, b.length - 1), 1999));
                    return args(d, "data.train=" + images);
                }),
                new Case("test label outside the training classes", "label 12 of item 0 is outside the training labels",
                        d -> {
                            Path images = rawCopy(d, 1, "t10k", b -> b);
                            rawLabels(d, "t10k", b -> {
                                b[8] = 12;
                                return b;
                            });
                            return args(d, "data.test=" + images);
                        }),
                new Case("corrupt gzip", "train-images-idx3-ubyte.gz: corrupt gzip data", d -> {
                    Path bad = d.resolve("train-images-idx3-ubyte.gz");
                    Files.write(bad, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
                    return args(d, "data.train=" + bad);
                }),
                new Case("unknown config key in a file", "job.conf:2: training.batchsize: unknown key (did you mean"
                        + " training.batch-size?)", d -> {
                            Path conf = TestData.configFile(d, "job.conf", "training {", "  batchsize = 64", "}");
                            List<String> a = new ArrayList<>(args(d));
                            a.addAll(List.of("--config", conf.toString()));
                            return a;
                        }),
                new Case("unknown config key on the command line", "--set: model.hiden: unknown key",
                        d -> args(d, "model.hiden=[10]")),
                new Case("non-numeric learning rate", "optimizer.learning-rate: expected a number but got 'fast'",
                        d -> args(d, "optimizer.learning-rate=fast")),
                new Case("zero workers", "training.workers: must be > 0 but got 0", d -> args(d, "training.workers=0")),
                new Case("negative batch size", "training.batch-size: must be > 0 but got -5",
                        d -> args(d, "training.batch-size=-5")),
                new Case("batch smaller than the worker count", "training.batch-size: must be at least training.workers",
                        d -> args(d, "training.batch-size=1")),
                new Case("more workers than local task slots", "training.workers: is 3 but spark.master local[2] runs only 2",
                        d -> args(d, "training.workers=3")),
                new Case("negative augmentation shift", "--set: data.augment.max-shift: must be 0 or more but got -1",
                        d -> args(d, "data.augment.max-shift=-1")),
                new Case("augmentation shift as large as half the image", "data.augment.max-shift: must be less than"
                        + " half of the images' smaller side (28) but got 14", d -> args(d, "data.augment.max-shift=14")),
                new Case("layer size of zero", "--set: model.layers[0].units: must be > 0 but got 0",
                        d -> args(d, "model.layers=[{type=dense,units=0}]")),
                new Case("output dir that is a file", "output.dir: '{dir}/taken' is a file, expected a directory", d -> {
                    Files.writeString(d.resolve("taken"), "x");
                    return args(d, "output.dir=" + d.resolve("taken"));
                }),
                new Case("config file that does not exist", "{dir}/missing.conf: no such file",
                        d -> List.of("train", "--config", d.resolve("missing.conf").toString())),
                new Case("unknown command-line argument", "unknown argument '--epochs'",
                        d -> List.of("train", "--epochs", "3")),
                new Case("data path that is not a URI", "train:1/x-images-idx3-ubyte: is not a usable path",
                        d -> args(d, "data.train=train:1/x-images-idx3-ubyte")),
                new Case("more workers than training examples", "training.workers: is 2 but", d -> {
                    Path images = rawCopy(d, 0, "train", b -> withCount(Arrays.copyOf(b, 16 + 784), 1));
                    rawLabels(d, "train", b -> withCount(Arrays.copyOf(b, 9), 1));
                    return args(d, "data.train=" + images);
                }),
                new Case("timeout without a unit", "training.sync-timeout: expected a duration with a unit",
                        d -> args(d, "training.sync-timeout=300")),
                new Case("checkpoint dir that cannot be created", "checkpoint.dir: cannot write to '{dir}/taken/ckpt'",
                        d -> {
                            Files.writeString(d.resolve("taken"), "x");
                            return args(d, "checkpoint.dir=" + d.resolve("taken/ckpt"), "checkpoint.every-epochs=1");
                        }),
                new Case("--resume from a directory with no checkpoint", "{dir}/empty: holds no checkpoint", d -> {
                    Files.createDirectories(d.resolve("empty/ckpt-000000000010.tmp"));
                    return List.of("train", "--resume", d.resolve("empty").toString());
                }),
                new Case("--resume from a model instead of a checkpoint", "{dir}/saved-model.zip: is not a checkpoint directory",
                        d -> List.of("train", "--resume", Files.writeString(d.resolve("saved-model.zip"), "x").toString())),
                new Case("a model zip that is not a model", "{dir}/saved-model.zip: is not a model: not a zip archive",
                        d -> evaluate(d, Files.writeString(d.resolve("saved-model.zip"), "not a zip"))),
                new Case("a model zip without coefficients", "{dir}/saved-model.zip: is not a model: it lacks coefficients.bin",
                        d -> evaluate(d, zip(d.resolve("saved-model.zip"), "configuration.json", "{}"))),
                new Case("a model zip with an entry read by Java deserialization",
                        "{dir}/saved-model.zip: is not a spark-ddp model: it holds 'preprocessor.bin'",
                        d -> evaluate(d, zip(d.resolve("saved-model.zip"), "preprocessor.bin", "\u00ac\u00ed"))),
                new Case("a model zip whose configuration is not a network",
                        "{dir}/saved-model.zip!/configuration.json: is not a DL4J network configuration",
                        d -> evaluate(d, zip(d.resolve("saved-model.zip"), "configuration.json", "{\"confs\": 7}",
                                "coefficients.bin", "x"))),
                new Case("evaluate without a model", "evaluate needs --model FILE", d -> List.of("evaluate")),
                new Case("CSV row with a missing field", "{dir}/train.csv:3: expected 3 fields but got 2",
                        d -> tabular(d, "csv", "x,y,label\n1,2,0\n3,1\n", "1,2,0\n", "data.csv.header=true")),
                new Case("CSV number that does not parse", "{dir}/test.csv:2: field 1 '0,5' is not a number",
                        d -> tabular(d, "csv", "1;2;0\n3;4;1\n", "1;2;0\n0,5;1;1\n", "data.csv.delimiter=semicolon")),
                new Case("CSV class label the training file lacks", "{dir}/test.csv:1: class label 2 is outside the"
                        + " training labels 0..1", d -> tabular(d, "csv", "1,2,0\n3,4,1\n", "1,2,2\n")),
                new Case("missing validation file", "{dir}/nowhere/val-images-idx3-ubyte.gz: no such file",
                        d -> args(d, "data.validation=" + d.resolve("nowhere/val-images-idx3-ubyte.gz"))),
                new Case("validation CSV with fewer features", "{dir}/val.csv: has 1 features per example but"
                        + " {dir}/train.csv has 2", d -> {
                            Files.writeString(d.resolve("val.csv"), "1,0\n2,1\n");
                            return tabular(d, "csv", "1,2,0\n3,4,1\n", "1,2,0\n",
                                    "data.validation=" + d.resolve("val.csv"));
                        }),
                // Labels outside what the loss trains on, found by the executors that decode the file.
                new Case("binary cross-entropy label -1", "{dir}/train.csv:3: label -1 is not 0 or 1, which binary"
                        + " cross-entropy (a sigmoid output) wants", d -> tabular(d, "csv", "1,2,0\n3,4,1\n5,6,-1\n",
                                "1,2,0\n", "model.output.activation=sigmoid", "model.output.loss=binary-cross-entropy")),
                new Case("binary cross-entropy label -1 of a LibSVM file", "{dir}/train.svm:2: label -1 is not 0 or 1",
                        d -> tabular(d, "libsvm", "1 1:1\n-1 2:1\n", "1 1:1\n", "model.output.activation=sigmoid",
                                "model.output.loss=binary-cross-entropy")),
                new Case("binary cross-entropy label -1 in a test file", "{dir}/test.csv:1: label -1 is not 0 or 1",
                        d -> tabular(d, "csv", "1,2,0\n3,4,1\n", "1,2,-1\n", "model.output.activation=sigmoid",
                                "model.output.loss=binary-cross-entropy")),
                new Case("softmax class label -1", "{dir}/train.csv:2: class label -1 is not a class index: a softmax"
                        + " output (loss cross-entropy or kl-divergence) wants a whole number in 0..classes-1",
                        d -> tabular(d, "csv", "1,2,0\n3,4,-1\n5,6,1\n", "1,2,0\n")),
                new Case("validation CSV class label the training file lacks", "{dir}/val.csv:2: class label 5 is"
                        + " outside the training labels 0..1", d -> {
                            Files.writeString(d.resolve("val.csv"), "1,2,0\n2,2,5\n");
                            return tabular(d, "csv", "1,2,0\n3,4,1\n", "1,2,0\n",
                                    "data.validation=" + d.resolve("val.csv"));
                        }),
                new Case("early stopping without a validation set", "--set: validation.patience: needs a validation"
                        + " set", d -> args(d, "validation.patience=2")),
                new Case("CSV label column beyond the row", "{dir}/train.csv:1: data.csv.label-columns names column 3",
                        d -> tabular(d, "csv", "1,2,0\n", "1,2,0\n", "data.csv.label-columns=[3]")),
                new Case("LibSVM test index beyond the training features",
                        "{dir}/test.svm:2: feature index 9 is beyond the 3 features of the training set",
                        d -> tabular(d, "libsvm", "0 1:1 3:1\n1 2:1\n", "0 1:1\n1 9:1\n")),
                new Case("LibSVM index 0", "{dir}/train.svm:1: feature index 0 is not >= 1",
                        d -> tabular(d, "libsvm", "0 0:1\n", "0 1:1\n")),
                new Case("normalization of IDX pixels", "data.normalize: must be none for data.format = idx",
                        d -> args(d, "data.normalize=standardize")),
                new Case("convolution on tabular data", "model.layers[0]: a conv layer needs image input",
                        d -> tabular(d, "csv", "1,2,0\n3,4,1\n", "1,2,0\n", "model.layers=[{type=conv,filters=2}]")),
                new Case("pooling window larger than the image", "model.layers[1]: a max-pool window of 32 does not"
                        + " fit its 26 x 26 input", d -> args(d, "model.layers=[{type=conv,filters=2},"
                        + "{type=max-pool,kernel=32}]")),
                new Case("unknown key in a layer", "--set: model.layers[0].unit: unknown key: a dense layer takes"
                        + " activation, units", d -> args(d, "model.layers=[{type=dense,unit=8}]")),
                new Case("negative dropout rate", "--set: model.layers[0].rate: is the fraction of units dropped, so it"
                        + " must be in [0, 1) but got -0.2", d -> args(d, "model.layers=[{type=dropout,rate=-0.2}]")),
                new Case("softmax output with binary cross-entropy", "--set: model.output.activation: must be sigmoid"
                        + " with model.output.loss = binary-cross-entropy but got softmax", d -> args(d,
                        "model.output.loss=binary-cross-entropy")),
                new Case("another optimizer's setting", "--set: optimizer.rmsprop.decay: applies only when optimizer.name ="
                        + " rmsprop, but optimizer.name is adam", d -> args(d, "optimizer.rmsprop.decay=0.9")),
                new Case("fractional step of a schedule", "--set: optimizer.schedule.step-every: expected an integer"
                        + " but got '2.5'", d -> args(d, "optimizer.schedule.step-every=2.5")),
                // evaluate, search and predict: their failures end the same way as train's.
                new Case("evaluate a model that does not exist", "{dir}/nowhere/model.zip: no such file",
                        d -> evaluate(d, d.resolve("nowhere/model.zip"))),
                new Case("evaluate on test data with other features than the model's",
                        "{dir}/test.csv: has 2 features per example, which the model in {dir}/saved-model.zip cannot"
                                + " take", d -> {
                            Path model = model(d);
                            Files.writeString(d.resolve("train.csv"), "1,2,0\n3,4,1\n");
                            return List.of("evaluate", "--model", model.toString(), "--set", "data.format=csv",
                                    "--set", "data.train=" + d.resolve("train.csv"), "--set", "data.test="
                                            + Files.writeString(d.resolve("test.csv"), "1,2,0\n3,4,1\n"),
                                    "--set", "spark.master=local[2]", "--set", "spark.ui.enabled=false");
                        }),
                new Case("evaluate an 8-input regression model on 28x28 images", TestData.TEST + ": has 784 features"
                        + " per example (images of 28x28), but the model in {dir}/saved-model.zip takes 8", d -> {
                            StringBuilder rows = new StringBuilder();
                            for (int i = 0; i < 4; i++) {
                                rows.append("1,2,3,4,5,6,7,8,").append(i * 0.5).append('\n');
                            }
                            Path csv = Files.writeString(d.resolve("regression.csv"), rows);
                            return evaluate(d, model(d, new int[] {8}, 1, "data.format=csv", "data.train=" + csv,
                                    "data.test=" + csv, "model.output.activation=identity", "model.output.loss=mse"));
                        }),
                new Case("search without a grid", "search needs --grid FILE", d -> List.of("search")),
                new Case("search with a grid file that does not exist", "{dir}/grid.conf: no such file",
                        d -> search(d, d.resolve("grid.conf"))),
                new Case("search over a Spark setting", "grid.spark.master: cannot be searched",
                        d -> search(d, TestData.configFile(d, "grid.conf", "grid { \"spark.master\" = [\"local[1]\"] }"))),
                new Case("search with a bad value in the grid", "training.batch-size: must be > 0 but got -5",
                        d -> search(d, TestData.configFile(d, "grid.conf", "grid { \"training.batch-size\" = [64, -5] }"))),
                new Case("report of a directory that holds no run", "{dir}/nowhere/metrics.jsonl: no such file",
                        d -> List.of("report", d.resolve("nowhere").toString())),
                new Case("predict without an output", "predict needs --model FILE --input IN --output DIR",
                        d -> List.of("predict", "--model", "m.zip", "--input", "in")),
                new Case("predict with a model that is not a model", "{dir}/saved-model.zip: is not a model",
                        d -> predict(d, Files.writeString(d.resolve("saved-model.zip"), "not a zip"), TestData.DIR)),
                new Case("predict into an output that exists", "--output: '{dir}/predicted' exists already", d -> {
                    Files.createDirectories(d.resolve("predicted"));
                    return predict(d, model(d), TestData.DIR);
                }),
                new Case("predict on a path that does not exist", "{dir}/nowhere: cannot be read as Parquet",
                        d -> predict(d, model(d), d.resolve("nowhere"))),
                new Case("predict on IDX images said to be Parquet", TestData.TEST + ": is not a Parquet file: it"
                        + " does not start and end with Parquet's magic bytes PAR1 (it starts with 0x1f8b0808)",
                        d -> predict(d, model(d), TestData.TEST, "data.format=parquet")),
                new Case("predict on IDX images with a corrupt header", "{dir}/bad-images-idx3-ubyte: wrong magic"
                        + " number 0x00000903", d -> predict(d, model(d), Files.write(d.resolve(
                                "bad-images-idx3-ubyte"), new byte[] {0, 0, 9, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28}))),
                new Case("predict on CSV rows the model cannot take", "{dir}/rows.csv: has 3 fields per row (split on"
                        + " comma), which is 2 features after the 1 label column of data.csv.label-columns, but the"
                        + " model in {dir}/saved-model.zip takes 784", d -> predict(d, model(d),
                                Files.writeString(d.resolve("rows.csv"), "1,2,0\n3,4,1\n"))),
                // hdfs:///path names no namenode where no fs.defaultFS does: one line naming the path, exit 2.
                new Case("predict into an hdfs: URI without a host", "--output: 'hdfs:///scoring/out' is not a usable"
                        + " path: " + NO_HOST, d -> List.of("predict", "--model", model(d).toString(), "--input",
                                TestData.TEST.toString(), "--output", "hdfs:///scoring/out")),
                new Case("predict on an hdfs: URI without a host", "--input: 'hdfs:///scoring/in' is not a usable path: "
                        + NO_HOST,
                        d -> predict(d, model(d), Path.of("/")).stream().map(a -> a.equals("/") ? "hdfs:///scoring/in"
                                : a).toList()),
                new Case("evaluate a model at an hdfs: URI without a host", "hdfs:///m/model.zip: " + NO_HOST,
                        d -> List.of("evaluate", "--model", "hdfs:///m/model.zip")),
                new Case("config file at an hdfs: URI without a host", "hdfs:///job.conf: " + NO_HOST,
                        d -> List.of("train", "--config", "hdfs:///job.conf")),
                new Case("training data at an hdfs: URI without a host", "hdfs:///d/train-images-idx3-ubyte.gz: "
                        + NO_HOST, d -> args(d, "data.train=hdfs:///d/train-images-idx3-ubyte.gz")),
                new Case("Parquet training data at an hdfs: URI without a host", "hdfs:///w/train: cannot be read as"
                        + " parquet: " + NO_HOST, d -> args(d, "data.format=parquet", "data.train=hdfs:///w/train",
                                "data.test=hdfs:///w/test")),
                new Case("report of an hdfs: URI without a host", "OUTPUT_DIR: 'hdfs:///runs/1' is not a usable path: "
                        + NO_HOST,
                        d -> List.of("report", "hdfs:///runs/1")),
                new Case("search grid at an hdfs: URI without a host", "hdfs:///grid.conf: " + NO_HOST,
                        d -> search(d, Path.of("/")).stream().map(a -> a.equals("/") ? "hdfs:///grid.conf" : a)
                                .toList()),
                new Case("predict on a directory holding a CSV file", "{dir}/rows/part-0.csv: is not a Parquet file",
                        d -> {
                            Files.createDirectories(d.resolve("rows"));
                            Files.writeString(d.resolve("rows/_SUCCESS"), "");
                            Files.writeString(d.resolve("rows/part-0.csv"), "1,2,3\n4,5,6\n");
                            return predict(d, model(d), d.resolve("rows"));
                        }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void failsWithOneLineNamingTheCulpritAndWritesNothing(Case c) throws IOException {
        List<String> argv = c.setup().prepare(dir);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(Main.INVALID_INPUT, code, stderr);
        List<String> lines = stderr.lines().toList();
        assertEquals(1, lines.size(), "expected one line but got:\n" + stderr);
        assertTrue(lines.get(0).startsWith("spark-ddp: error: "), lines.get(0));
        String expected = c.expected().replace("{dir}", dir.toString());
        assertTrue(lines.get(0).contains(expected), "'" + lines.get(0) + "' does not contain '" + expected + "'");
        try (Stream<Path> files = Files.walk(dir)) {
            assertFalse(files.anyMatch(p -> p.endsWith("summary.json") || p.endsWith("model.zip")
                            || p.endsWith("search.json") || p.endsWith("evaluation.json")),
                    "an output was written");
        }
        // Not even an empty output directory, nor predict's temporary one.
        assertFalse(Files.exists(dir.resolve("out")), "the output directory was left behind");
        try (Stream<Path> files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().startsWith(".predicted")),
                    "predict's temporary output was left behind");
        }
    }
}
