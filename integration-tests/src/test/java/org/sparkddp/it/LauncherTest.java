package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs deploy/spark-ddp in a child process, the way a user does: the JVM flags and classpath are under test. */
@Tag("slow")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class LauncherTest {
    @TempDir
    Path dir;

    record Result(int code, String stdout, String stderr) {
    }

    private Result launch(String... args) throws IOException, InterruptedException {
        ChildRun run = ChildRun.start(ChildRun.launcher(List.of(args)).directory(dir.toFile()), dir, "launcher");
        assertTrue(run.process().waitFor(5, TimeUnit.MINUTES), "launcher did not finish");
        return new Result(run.process().exitValue(), Files.readString(run.stdout(), StandardCharsets.UTF_8),
                Files.readString(run.stderr(), StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsUsage() throws Exception {
        Result r = launch("--help");
        assertEquals(0, r.code(), r.stderr());
        assertTrue(r.stdout().contains("usage: spark-ddp train"), r.stdout());
    }

    @Test
    void aBadKeyIsOneLineOnStderrAndExitTwo() throws Exception {
        Result r = launch("train", "--set", "training.wrokers=2");
        assertEquals(2, r.code(), r.stderr());
        assertEquals(List.of("spark-ddp: error: --set: training.wrokers: unknown key (did you mean training.workers?)"),
                r.stderr().lines().toList());
    }

    /**
     * hdfs:///path where no fs.defaultFS names a namenode: one line on the console, Hadoop's and Spark's warnings
     * about the path (FileSystem's "Failed to initialize", FileStreamSink's "Assume no metadata directory") in the
     * log file only.
     */
    @Test
    void anHdfsUriWithoutAHostIsOneLineOnTheConsole() throws Exception {
        Result model = launch("evaluate", "--model", "hdfs:///runs/1/model.zip");
        assertEquals(2, model.code(), model.stderr());
        assertEquals(List.of("spark-ddp: error: hdfs:///runs/1/model.zip: an hdfs: URI with no host: give the namenode,"
                + " hdfs://HOST:PORT/path, or set spark.hadoop.fs.defaultFS = \"hdfs://HOST:PORT\" in the config"),
                model.stderr().lines().toList());
        Result parquet = launch("train", "--set", "data.format=parquet", "--set", "data.train=hdfs:///w/train",
                "--set", "data.test=hdfs:///w/test", "--set", "output.dir=" + dir.resolve("out"),
                "--set", "spark.master=local[2]", "--set", "spark.ui.enabled=false");
        assertEquals(2, parquet.code(), parquet.stderr());
        assertEquals(1, parquet.stderr().lines().count(), parquet.stderr());
        assertTrue(parquet.stderr().startsWith("spark-ddp: error: hdfs:///w/train: cannot be read as parquet: an hdfs:"
                + " URI with no host"), parquet.stderr());
    }

    /**
     * Something that is not a Spark peer connects to the block manager's port and sends what Spark reads as a
     * frame length too large and one that is negative: Spark's warnings about it (TransportChannelHandler's
     * "Exception in connection from ...: Too large frame", "Frame length should be positive") go to the log file,
     * not to the console, and the run goes on.
     */
    @Test
    void aStrangerOnTheBlockManagerPortStaysOffTheConsole() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path log = dir.resolve("spark-ddp.log");
        ProcessBuilder builder = ChildRun.launcher(List.of("train", "--set", "data.train=" + TestData.TRAIN,
                "--set", "data.test=" + TestData.TEST, "--set", "output.dir=" + dir.resolve("out"),
                "--set", "spark.master=local[2]", "--set", "spark.ui.enabled=false", "--set", "training.epochs=50",
                "--set", "spark.blockManager.port=" + port)).directory(dir.toFile());
        builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        builder.environment().put("SPARK_DDP_JAVA_OPTS", TestData.SHORT_JVM_OPTIONS + " -Dspark-ddp.log=" + log);
        ChildRun run = ChildRun.start(builder, dir, "stranger");
        try {
            run.awaitLine("epoch 1/50", Duration.ofMinutes(3));
            // "GET / HT" read as a frame length is far too large; 0xc43a... is negative.
            for (byte[] garbage : List.of("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                    new byte[] {(byte) 0xc4, 0x3a, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8})) {
                try (Socket stranger = new Socket("127.0.0.1", port); OutputStream out = stranger.getOutputStream()) {
                    out.write(garbage);
                    out.flush();
                    stranger.setSoTimeout(60_000);
                    stranger.getInputStream().read(); // until Spark closes the connection
                }
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (!(Files.exists(log) && Files.readString(log).contains("Frame length should be positive"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String logged = Files.readString(log);
            assertTrue(logged.contains("Too large frame") && logged.contains("Frame length should be positive"),
                    "Spark's warnings are not in the log file:\n" + logged);
            assertTrue(run.process().isAlive(), "the run ended:\n" + Files.readString(run.stderr()));
        } finally {
            run.process().destroy();
            run.process().waitFor(1, TimeUnit.MINUTES);
        }
        String console = Files.readString(run.stderr(), StandardCharsets.UTF_8);
        for (String word : List.of("frame", "TransportChannelHandler", "Exception in connection")) {
            assertFalse(console.toLowerCase(java.util.Locale.ROOT).contains(word.toLowerCase(java.util.Locale.ROOT)),
                    "the console shows '" + word + "':\n" + console);
        }
    }

    @Test
    void trainsOnTheSubsetAndWritesItsOutputs() throws Exception {
        Path out = dir.resolve("out");
        Result r = launch("train", "--set", "data.train=" + TestData.TRAIN, "--set", "data.test=" + TestData.TEST,
                "--set", "output.dir=" + out, "--set", "spark.master=local[2]", "--set", "spark.ui.enabled=false",
                "--set", "training.max-iterations=6");
        assertEquals(0, r.code(), r.stderr());
        assertTrue(r.stdout().contains("done: test accuracy"), r.stdout());
        for (String name : List.of("model.zip", "metrics.jsonl", "summary.json")) {
            assertTrue(Files.size(out.resolve(name)) > 0, name);
        }
    }
}
