package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.bench.MiniHdfs;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.ValidationConfig;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.plan.HoldOut;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.data.JobData;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.data.SplitIdxImages;
import org.sparkddp.driver.spark.SparkSetup;

/**
 * The job against a real HDFS (a namenode and two datanodes in this JVM): data read from it, outputs and
 * checkpoints written to it, a run resumed from a checkpoint on it, and its errors.
 */
@Tag("slow")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HdfsTest {
    @TempDir
    Path local;
    MiniHdfs hdfs;
    String data;

    @BeforeAll
    void startHdfs(@TempDir Path base) throws IOException {
        hdfs = MiniHdfs.start(base, 128 * 1024);
        data = hdfs.put("/data/fashion-mnist-small", TestData.TRAIN, TestData.TEST,
                TestData.DIR.resolve("train-labels-idx1-ubyte.gz"), TestData.DIR.resolve("t10k-labels-idx1-ubyte.gz"));
    }

    /** The subset, gunzipped, on HDFS: 1.5 MB of training images over 12 blocks, so it is read in splits. */
    private String rawData() throws IOException {
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path("/data/raw");
        if (!hdfs.fs().exists(dir)) {
            for (String name : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                    "t10k-labels-idx1-ubyte")) {
                try (java.io.InputStream in = new java.util.zip.GZIPInputStream(
                        Files.newInputStream(TestData.DIR.resolve(name + ".gz")));
                     java.io.OutputStream out = hdfs.fs().create(new org.apache.hadoop.fs.Path(dir, name))) {
                    in.transferTo(out);
                }
            }
        }
        return hdfs.uri(dir.toString());
    }

    @AfterAll
    void stopHdfs() {
        hdfs.close();
    }

    /** Runs the command line in this JVM; returns its stdout, failing with its stderr unless it exits 0. */
    private static String train(List<String> extra, String... settings) {
        List<String> all = new ArrayList<>(List.of("spark.master=local[2]", "spark.ui.enabled=false",
                "training.epochs=2", "checkpoint.every-iterations=10"));
        all.addAll(List.of(settings));
        List<String> argv = TestData.commandLine("train", all);
        argv.addAll(extra);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    private String[] onHdfs(String run) {
        return new String[] {"data.train=" + data + "/train-images-idx3-ubyte.gz",
                "data.test=" + data + "/t10k-images-idx3-ubyte.gz", "output.dir=" + hdfs.uri("/runs/" + run + "/out"),
                "checkpoint.dir=" + hdfs.uri("/runs/" + run + "/ckpt")};
    }

    private float[] coefficients(String outputDir) throws IOException {
        Path copy = local.resolve("model-" + System.nanoTime() + ".zip");
        hdfs.fs().copyToLocalFile(new org.apache.hadoop.fs.Path(outputDir + "/model.zip"),
                new org.apache.hadoop.fs.Path(copy.toUri()));
        return MultiLayerNetwork.load(copy.toFile(), true).params().toFloatVector();
    }

    @Test
    void trainsFromHdfsWritesOutputsAndCheckpointsThereAndResumesFromThemExactly() throws IOException {
        train(List.of(), onHdfs("whole"));
        FileSystem fs = hdfs.fs();
        // Complete outputs only: no temporary file is left beside them.
        List<String> outputs = new ArrayList<>();
        for (FileStatus status : fs.listStatus(new org.apache.hadoop.fs.Path("/runs/whole/out"))) {
            outputs.add(status.getPath().getName());
        }
        outputs.sort(null);
        assertEquals(List.of("metrics.jsonl", "model.zip", "report.html", "summary.json"), outputs);
        List<String> checkpoints = new ArrayList<>();
        for (FileStatus status : fs.listStatus(new org.apache.hadoop.fs.Path("/runs/whole/ckpt"))) {
            checkpoints.add(status.getPath().getName());
        }
        checkpoints.sort(null);
        assertEquals(List.of("ckpt-000000000010", "ckpt-000000000020", "ckpt-000000000030"), checkpoints);

        // The same job on local disk: HDFS changes where the bytes live, not the result.
        Path disk = local.resolve("disk");
        train(List.of(), "data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST, "output.dir=" + disk);
        float[] whole = coefficients(hdfs.uri("/runs/whole/out"));
        assertArrayEquals(MultiLayerNetwork.load(disk.resolve("model.zip").toFile(), true).params().toFloatVector(),
                whole, 0f);

        // The same again from uncompressed files that the executors read in 200 KB splits: the same shards.
        String raw = rawData();
        train(List.of(), "data.train=" + raw + "/train-images-idx3-ubyte", "data.test=" + raw + "/t10k-images-idx3-ubyte",
                "data.split-size=200K", "output.dir=" + hdfs.uri("/runs/split/out"));
        assertArrayEquals(whole, coefficients(hdfs.uri("/runs/split/out")), 0f);

        // Resumed from the middle checkpoint on HDFS, into a fresh output directory on HDFS.
        String[] resumed = onHdfs("resumed");
        String console = train(List.of("--resume", hdfs.uri("/runs/whole/ckpt/ckpt-000000000020")), resumed);
        assertTrue(console.contains("resuming from " + hdfs.uri("/runs/whole/ckpt/ckpt-000000000020")
                + " at iteration 20"), console);
        assertTrue(Arrays.equals(whole, coefficients(hdfs.uri("/runs/resumed/out"))), "resumed run ended elsewhere");
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path("/runs/resumed/ckpt/ckpt-000000000010")),
                "a checkpoint before the resume point was written again");
    }

    @Test
    void theShippedHdfsConfigTrainsOnTheNamenodeTheCommandLineNames() throws IOException {
        hdfs.put("/datasets/fashion-mnist", TestData.TRAIN, TestData.TEST,
                TestData.DIR.resolve("train-labels-idx1-ubyte.gz"), TestData.DIR.resolve("t10k-labels-idx1-ubyte.gz"));
        train(List.of("--config", TestData.REPO.resolve("conf/fashion-mnist-hdfs.conf").toString()),
                "spark.hadoop.fs.defaultFS=" + hdfs.uri(), "training.epochs=1", "checkpoint.every-iterations=null");
        FileSystem fs = hdfs.fs();
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/user/spark-ddp/fashion-mnist-mlp/output/model.zip")));
        // Format 2: the chunk files the executors wrote (relative paths resolved against the same defaultFS) and the
        // manifest the driver committed.
        for (String file : List.of("state-00000.bin", "checkpoint.json")) {
            assertTrue(fs.exists(new org.apache.hadoop.fs.Path(
                    "/user/spark-ddp/fashion-mnist-mlp/checkpoints/ckpt-000000000016/" + file)), file);
        }
    }

    /** Runs the command line expecting invalid input; returns its one line of stderr. */
    private static String failure(List<String> extra, String... settings) {
        List<String> all = new ArrayList<>(List.of("spark.master=local[2]", "spark.ui.enabled=false",
                "training.epochs=1"));
        all.addAll(List.of(settings));
        List<String> argv = TestData.commandLine("train", all);
        argv.addAll(extra);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(Main.INVALID_INPUT, code, stderr);
        List<String> lines = stderr.lines().toList();
        assertEquals(1, lines.size(), "expected one line but got:\n" + stderr);
        return lines.get(0);
    }

    @Test
    void aMissingFileOnHdfsIsOneLineNamingIt() {
        String missing = data + "/nothing-here-images-idx3-ubyte.gz";
        String line = failure(List.of(), "data.train=" + missing, "data.test=" + data + "/t10k-images-idx3-ubyte.gz",
                "output.dir=" + hdfs.uri("/runs/missing"));
        assertEquals("spark-ddp: error: " + missing + ": no such file", line);
    }

    @Test
    void aDirectoryAnotherUserCannotReadIsOneLineNamingTheFile() throws Exception {
        // bob's private copy of the data: rwx for bob only.
        String dir = hdfs.put("/home/bob/private", TestData.TRAIN, TestData.DIR.resolve("train-labels-idx1-ubyte.gz"));
        FileSystem fs = hdfs.fs();
        fs.setOwner(new org.apache.hadoop.fs.Path("/home/bob"), "bob", "bob");
        fs.setOwner(new org.apache.hadoop.fs.Path("/home/bob/private"), "bob", "bob");
        fs.setPermission(new org.apache.hadoop.fs.Path("/home/bob/private"),
                new org.apache.hadoop.fs.permission.FsPermission((short) 0700));
        String train = dir + "/train-images-idx3-ubyte.gz";
        String line = MiniHdfs.as("alice", () -> failure(List.of(), "data.train=" + train,
                "data.test=" + data + "/t10k-images-idx3-ubyte.gz", "output.dir=" + local.resolve("alice-out")));
        System.out.println(line);
        assertTrue(line.startsWith("spark-ddp: error: " + train + ": permission denied"), line);
        // ...and an output directory alice may not write to.
        fs.mkdirs(new org.apache.hadoop.fs.Path("/runs/bobs"));
        fs.setOwner(new org.apache.hadoop.fs.Path("/runs/bobs"), "bob", "bob");
        fs.setPermission(new org.apache.hadoop.fs.Path("/runs/bobs"),
                new org.apache.hadoop.fs.permission.FsPermission((short) 0755));
        String out = MiniHdfs.as("alice", () -> failure(List.of(), "data.train=" + data + "/train-images-idx3-ubyte.gz",
                "data.test=" + data + "/t10k-images-idx3-ubyte.gz", "output.dir=" + hdfs.uri("/runs/bobs/run")));
        assertTrue(out.startsWith("spark-ddp: error: output.dir: cannot write to '" + hdfs.uri("/runs/bobs/run")
                + "': permission denied"), out);
        // bob himself reads his data.
        assertTrue(MiniHdfs.as("bob", () -> hdfs.fs().exists(new org.apache.hadoop.fs.Path(train))));
    }

    @Test
    @org.junit.jupiter.api.Timeout(120) // a hang guard, not a speed check: the shipped defaults bound the retries
    void aNamenodeThatRefusesConnectionsIsOneLineNamingItsUri() throws IOException {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort(); // free once closed: nothing listens there
        }
        String train = "hdfs://localhost:" + port + "/data/train-images-idx3-ubyte.gz";
        String line = failure(List.of(), "data.train=" + train, "data.test=" + TestData.TEST,
                "output.dir=" + local.resolve("refused"));
        assertEquals("spark-ddp: error: " + train + ": cannot reach localhost:" + port + " (connection refused)", line);
    }

    @Test
    void aNamenodeThatNeverAnswersFailsWithinTheConnectTimeoutsNamingItsUri() throws Exception {
        // A port whose accept queue is full: the kernel drops further connection attempts, as a firewall or a
        // machine that is down would, so the client waits out its connect timeouts. Run as a user runs it, in a
        // fresh JVM: Hadoop's IPC client keeps the timeout of the first client made in a JVM (here, HDFS's own).
        try (java.net.ServerSocket blackHole = new java.net.ServerSocket(0, 1);
             java.net.Socket first = new java.net.Socket("localhost", blackHole.getLocalPort());
             java.net.Socket second = new java.net.Socket("localhost", blackHole.getLocalPort())) {
            String train = "hdfs://localhost:" + blackHole.getLocalPort() + "/data/train-images-idx3-ubyte.gz";
            ChildRun run = ChildRun.start(ChildRun.shortLauncher(TestData.commandLine("train", List.of("data.train=" + train,
                    "data.test=" + TestData.TEST, "output.dir=" + local.resolve("black-hole")))), local, "black-hole");
            // A hang guard, not a speed check: the shipped defaults allow 3 connect attempts of 5 s each.
            assertTrue(run.process().waitFor(3, java.util.concurrent.TimeUnit.MINUTES), "no answer: " + run.output());
            System.out.printf("a namenode that never answers: reported after %.1f s%n",
                    (System.nanoTime() - run.startNanos()) / 1e9);
            assertEquals(Main.INVALID_INPUT, run.process().exitValue(), run.output());
            List<String> lines = Files.readAllLines(run.stderr());
            assertEquals(List.of("spark-ddp: error: " + train + ": cannot reach localhost:" + blackHole.getLocalPort()
                    + " (no answer before the timeout; see spark.hadoop.ipc.client.*)"), lines);
        }
    }

    @Test
    void largeUncompressedImagesAreReadByTheExecutorsInSplitsPlacedNearTheirBlocks() throws IOException {
        String raw = rawData();
        DataConfig config = ConfigLoader.load(null, List.of("data.train=" + raw + "/train-images-idx3-ubyte",
                "data.test=" + raw + "/t10k-images-idx3-ubyte", "data.split-size=200K", "output.dir=unused"))
                .config().data();
        Configuration conf = new Configuration();
        long before = hdfsBytesRead();
        JobData planned = JobData.open(config, TargetKind.CLASS_INDEX, conf);
        long driverRead = hdfsBytesRead() - before;

        // The driver read the headers and the labels (2,000 + 500 bytes), not the 1.9 MB of images.
        assertTrue(driverRead < 8 * 1024, "the driver read " + driverRead + " bytes");
        SplitIdxImages train = (SplitIdxImages) planned.train();
        // 200 KB splits of 784-byte images: 261 images each, the last one shorter, covering all 2,000 in order.
        List<int[]> ranges = train.splitRanges();
        assertEquals(8, ranges.size());
        int next = 0;
        for (int[] range : ranges) {
            assertEquals(next, range[0]);
            next += range[1];
        }
        assertEquals(2000, next);
        // Each split's task prefers a datanode that holds its first block.
        for (List<String> hosts : train.splitHosts()) {
            assertFalse(hosts.isEmpty(), "a split with no preferred host");
        }

        // What the executors build is exactly what the whole file builds, read in one process (as the bench does).
        Datasets whole = Datasets.load(config, TargetKind.CLASS_INDEX, conf);
        SparkConf spark = SparkSetup.sparkConf(ConfigLoader.load(null, List.of("data.train=x", "data.test=y",
                "output.dir=unused", "spark.master=local[2]", "spark.ui.enabled=false")).config());
        JavaSparkContext sc = new JavaSparkContext(SparkContext.getOrCreate(spark.setAppName("hdfs-split-test")));
        try (ShardedData fromExecutors = train.shards(sc, shards(train.size()), 2, "split");
             ShardedData fromDriver = ShardedData.forTraining(sc, whole.train(), shards(whole.train().size()), 2, "whole");
             ShardedData testFromExecutors = planned.test().slices(sc, 3, "split test");
             ShardedData testFromDriver = ShardedData.forEvaluation(sc, whole.test(), 3, "whole test")) {
            assertSameShards(fromDriver, fromExecutors);
            assertSameShards(testFromDriver, testFromExecutors);

            // Holding out a validation fraction keeps it so: the executors read exactly the driver's subsets.
            ValidationConfig quarter = new ValidationConfig(0.25, 1, java.util.OptionalInt.empty(), 0);
            JobData held = JobData.open(config, quarter, 42, TargetKind.CLASS_INDEX, conf,
                    java.util.Optional.empty());
            HoldOut.Parts<LabeledExamples> heldWhole = HoldOut.of(whole.train().size(), 0.25, 42)
                    .split(whole.train(), LabeledExamples::select);
            assertEquals(org.sparkddp.common.plan.HoldOut.of(2000, 0.25, 42).kept().length,
                    held.train().size());
            try (ShardedData keptFromExecutors = held.train().shards(sc, shards(held.train().size()), 2, "kept");
                 ShardedData keptFromDriver = ShardedData.forTraining(sc, heldWhole.kept(),
                         shards(heldWhole.kept().size()), 2, "kept whole");
                 ShardedData heldFromExecutors = held.validation().orElseThrow().slices(sc, 2, "held");
                 ShardedData heldFromDriver = ShardedData.forEvaluation(sc, heldWhole.held().orElseThrow(), 2,
                         "held whole")) {
                assertSameShards(keptFromDriver, keptFromExecutors);
                assertSameShards(heldFromDriver, heldFromExecutors);
            }

            // A file removed between planning and reading: the executors' error names it, in one line.
            hdfs.fs().rename(new org.apache.hadoop.fs.Path("/data/raw/t10k-images-idx3-ubyte"),
                    new org.apache.hadoop.fs.Path("/data/raw/moved"));
            try {
                Exception e = assertThrows(Exception.class, () -> planned.test().slices(sc, 2, "gone").close());
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                assertEquals(Main.INVALID_INPUT, Main.report(e, new PrintStream(err, true, StandardCharsets.UTF_8)));
                assertEquals("spark-ddp: error: " + raw + "/t10k-images-idx3-ubyte: no such file",
                        err.toString(StandardCharsets.UTF_8).strip());
            } finally {
                hdfs.fs().rename(new org.apache.hadoop.fs.Path("/data/raw/moved"),
                        new org.apache.hadoop.fs.Path("/data/raw/t10k-images-idx3-ubyte"));
            }
        } finally {
            sc.stop();
        }
    }

    private static org.sparkddp.common.plan.VirtualShards shards(int examples) {
        return org.sparkddp.common.plan.VirtualShards.of(examples, DataConfig.DEFAULT_VIRTUAL_SHARDS);
    }

    private static void assertSameShards(ShardedData expected, ShardedData actual) {
        assertArrayEquals(expected.shardSizes(), actual.shardSizes());
        List<LabeledExamples> want = expected.rdd().collect();
        List<LabeledExamples> got = actual.rdd().collect();
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(allRows(want.get(i).features()), allRows(got.get(i).features()),
                    "images of partition " + i);
            assertArrayEquals(want.get(i).classLabels().labels(), got.get(i).classLabels().labels(),
                    "labels of partition " + i);
            assertArrayEquals(want.get(i).inputShape(), got.get(i).inputShape());
        }
    }

    /** Every row of a matrix, as the network reads them (the executors' shards are stored in chunks). */
    private static float[] allRows(org.sparkddp.common.data.FeatureMatrix features) {
        float[] all = new float[features.rows() * features.columns()];
        for (int r = 0; r < features.rows(); r++) {
            features.copyRow(r, all, r * features.columns());
        }
        return all;
    }

    private static long hdfsBytesRead() {
        return FileSystem.getAllStatistics().stream().filter(s -> s.getScheme().equals("hdfs"))
                .mapToLong(FileSystem.Statistics::getBytesRead).sum();
    }
}
