package org.sparkddp.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkddp.driver.output.Json;

/**
 * The compute benchmark's pure logic: reading the PyTorch peer's JSON lines, the FLOP count of the shipped MLP and
 * CNN against a count by hand, the steady rate from metrics lines, the target ratios in the report, and what the
 * spark-ddp rows change of the shipped command.
 */
class ComputePiecesTest {
    /** Tests run in integration-tests/; the configs are at the repository root. */
    private static final java.nio.file.Path REPO = java.nio.file.Path.of("..").toAbsolutePath().normalize();

    @Test
    void peerLinesTakeTheLastLineOfTheKindAndSkipEverythingElse() {
        String output = """
                some warning a library printed
                {"kind": "info", "torch": "1.13.0a0"}
                {"kind": "throughput", "samples_per_second": 100.5}
                {"kind": "throughput", "samples_per_second": 200.25}
                """;
        assertEquals(200.25, PeerLines.last(output, "throughput").orElseThrow().get("samples_per_second").asDouble());
        assertEquals("1.13.0a0", PeerLines.last(output, "info").orElseThrow().get("torch").asText());
        assertTrue(PeerLines.last(output, "time_to_accuracy").isEmpty());
    }

    @Test
    void peerNullMeansNotReached() {
        JsonNode r = PeerLines.last("{\"kind\": \"time_to_accuracy\", \"seconds_to_0.88\": 41.5,"
                + " \"seconds_to_0.90\": null}", "time_to_accuracy").orElseThrow();
        assertEquals(41.5, PeerLines.number(r, "seconds_to_0.88"));
        assertTrue(Double.isNaN(PeerLines.number(r, "seconds_to_0.90")));
        assertTrue(Double.isNaN(PeerLines.number(r, "missing")));
    }

    @Test
    void timeToAccuracyReadsThePeersKeyForEachTarget() {
        // torch-peer.py writes seconds_to_{target:.2f}; the CNN recipe is timed to 0.90, 0.92 and 0.93
        assertArrayEquals(new double[] {0.90, 0.92, 0.93}, TimeToAccuracy.targets("cnn"));
        assertArrayEquals(new double[] {0.88, 0.90}, TimeToAccuracy.targets("mlp"));
        JsonNode r = PeerLines.last("{\"kind\": \"time_to_accuracy\", \"seconds_to_0.90\": 80.25,"
                + " \"seconds_to_0.92\": 150.0, \"seconds_to_0.93\": null}", "time_to_accuracy").orElseThrow();
        assertEquals(80.25, PeerLines.number(r, TimeToAccuracy.secondsTo(0.90)));
        assertEquals(150.0, PeerLines.number(r, TimeToAccuracy.secondsTo(0.92)));
        assertTrue(Double.isNaN(PeerLines.number(r, TimeToAccuracy.secondsTo(0.93))));
    }

    @Test
    void aBrokenPeerLineIsAnErrorThatQuotesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PeerLines.last("{\"kind\": \"throughput\", ", "throughput"));
        assertTrue(e.getMessage().contains("{\"kind\": \"throughput\""), e.getMessage());
    }

    @Test
    void mlpFlopsMatchAHandCount() throws Exception {
        // 784 x 256 + 256 x 128 + 128 x 10 multiply-adds forward; 2 FLOP each; backward twice the forward
        long macs = 784L * 256 + 256 * 128 + 128 * 10;
        ComputeBenchmark.Model mlp = ComputeBenchmark.MODELS.get(0);
        assertEquals(macs, ModelFlops.forwardMacs(ComputeBenchmark.spec(REPO.resolve(mlp.config()).toString())));
        assertEquals(6 * macs, ModelFlops.trainingFlops(ComputeBenchmark.spec(REPO.resolve(mlp.config()).toString())));
    }

    @Test
    void cnnFlopsMatchAHandCount() throws Exception {
        long conv1 = 28L * 28 * 32 * 1 * 3 * 3;   // 28 x 28 outputs, 32 filters over 1 channel, 3 x 3
        long conv2 = 14L * 14 * 64 * 32 * 3 * 3;  // after the first 2 x 2 pool: 64 filters over 32 channels
        long dense = 64L * 7 * 7 * 256 + 256 * 10; // after the second pool; batch norm and pooling are not counted
        ComputeBenchmark.Model cnn = ComputeBenchmark.MODELS.get(1);
        assertEquals(conv1 + conv2 + dense, ModelFlops.forwardMacs(ComputeBenchmark.spec(REPO.resolve(cnn.config()).toString())));
        // the ceiling's shape is conv2 as one im2col product over the batch: the same multiply-adds
        assertEquals(conv2 * 128, (long) cnn.m() * cnn.k() * cnn.n());
    }

    @Test
    void steadyRateSkipsTheWarmUpAndStaysInItsEpoch() {
        List<JsonNode> metrics = List.of(
                line("{\"type\":\"iteration\",\"epoch\":1,\"iteration\":10,\"elapsed_seconds\":5.0}"),
                line("{\"type\":\"iteration\",\"epoch\":1,\"iteration\":20,\"elapsed_seconds\":6.0}"),
                line("{\"type\":\"iteration\",\"epoch\":1,\"iteration\":30,\"elapsed_seconds\":6.5}"),
                line("{\"type\":\"iteration\",\"epoch\":1,\"iteration\":40,\"elapsed_seconds\":7.0}"),
                line("{\"type\":\"epoch\",\"epoch\":1,\"elapsed_seconds\":9.0}"),
                line("{\"type\":\"iteration\",\"epoch\":2,\"iteration\":50,\"elapsed_seconds\":20.0}"));
        // from iteration 20 to 40: 20 iterations of 128 in 1.0 s
        assertEquals(2560.0, SteadyRate.of(metrics, 15, 128), 1e-9);
        assertTrue(Double.isNaN(SteadyRate.of(metrics, 40, 128)), "one line gives no rate");
        List<JsonNode> later = List.of(metrics.get(0), metrics.get(4), metrics.get(5),
                line("{\"type\":\"iteration\",\"epoch\":2,\"iteration\":60,\"elapsed_seconds\":20.5}"),
                line("{\"type\":\"epoch\",\"epoch\":2,\"elapsed_seconds\":22.0}"),
                line("{\"type\":\"iteration\",\"epoch\":3,\"iteration\":70,\"elapsed_seconds\":30.0}"));
        // epoch 2's lines from iteration 50: 10 iterations in 0.5 s; epoch 3 (after evaluation) is left out
        assertEquals(2560.0, SteadyRate.of(later, 45, 128), 1e-9);
    }

    @Test
    void reportRatiosAreTheIssuesTargets() { // issues 18 and 28
        List<ComputeRow> rows = List.of(
                new ComputeRow("mlp", ComputeReport.SYNC_AUTO, 2, 30_000, ""),
                new ComputeRow("mlp", ComputeReport.SYNC_AUTO_1, 1, 24_000, ""),
                new ComputeRow("mlp", ComputeReport.TORCH_1X1, 1, 40_000, ""),
                new ComputeRow("mlp", ComputeReport.ENGINE_STEP, 1, 20_000, ""),
                new ComputeRow("cnn", ComputeReport.SYNC_AUTO, 2, 500, ""),
                new ComputeRow("cnn", ComputeReport.TORCH_DDP, 2, Double.NaN, "PyTorch absent"));
        String md = markdown(rows);
        assertTrue(md.contains("| MLP: spark-ddp sync (auto) / PyTorch 1 process x 1 thread | 0.75 |"), md);
        // 20,000 samples/s x 1 MFLOP = 20 GFLOP/s against 80
        assertTrue(md.contains("| MLP: engine step GFLOP/s / sgemm ceiling | 0.25 |"), md);
        assertTrue(md.contains("| CNN: spark-ddp sync (auto) / PyTorch DDP 2 x 1 | - |"), md);
        // per core: 30,000 x 1 MFLOP / 2 cores = 15 GFLOP/s, 0.1875 of 80
        assertTrue(md.contains("| MLP | " + ComputeReport.SYNC_AUTO + " | 2 | 30,000 | 30.00 | 0.188 |"), md);
        assertTrue(md.contains("| MLP | " + ComputeReport.SYNC_AUTO_1 + " | 1 | 24,000 | 24.00 | 0.300 |"), md);
        // issue 28: the shipped command against itself with 1 worker and against the engine's step
        assertTrue(md.contains("| MLP: spark-ddp sync, 2 workers / 1 worker | 1.25 | >= 1.6 |"), md);
        assertTrue(md.contains("| MLP: spark-ddp sync, 2 workers / single-process engine step | 1.50 | >= 1.3 |"), md);
        assertTrue(md.contains("| MLP: spark-ddp sync, 1 worker / single-process engine step (the command's own cost)"
                + " | 1.20 | - |"), md);
        assertTrue(md.contains("| CNN: spark-ddp sync, 2 workers / single-process engine step | - | >= 1.9 |"), md);
        assertFalse(md.contains("NaN"), md);
    }

    @Test
    void theSparkDdpRowsChangeNothingButWorkersCoresLengthAndEngine() {
        ComputeBenchmark.Model mlp = ComputeBenchmark.MODELS.get(0);
        List<String> args = ComputeBenchmark.shippedOverrides(mlp, mlp.full(), 1, "dl4j");
        assertEquals(List.of("--config", "conf/fashion-mnist-mlp.conf", "--set", "training.workers=1", "--set",
                "spark.master=local[2]", "--set", "training.epochs=4", "--set", "training.max-iterations=1876", "--set",
                "training.engine=dl4j"), args);
    }

    @Test
    void theShippedCommandRunsFromTheRepositoryRootOrSaysWhere() {
        // Tests run in integration-tests/, where there is no deploy/spark-ddp.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SparkDdpRun.shipped("x",
                List.of(), java.nio.file.Path.of("out"), java.nio.file.Path.of("log")));
        assertTrue(e.getMessage().startsWith("deploy/spark-ddp not found in "), e.getMessage());
        assertTrue(e.getMessage().contains("repository root"), e.getMessage());
    }

    /** The report of {@code rows} on ceilings of 80 and 60 GFLOP/s, at 1 and 10 MFLOP per example. */
    private static String markdown(List<ComputeRow> rows) {
        return new ComputeReport("## test", Map.of("mlp", 80.0, "cnn", 60.0), Map.of("mlp", "128 x 784 x 256", "cnn",
                "32 x 288 x 25088"), Map.of("mlp", 1_000_000L, "cnn", 10_000_000L), rows).markdown();
    }

    private static JsonNode line(String json) {
        return Json.parse(json);
    }
}
