package org.sparkddp.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.bench.AllReduceCost.Algorithm;

/** The benchmark programs' arguments: what they read, and the one line a usage error ends in. */
class BenchOptionsTest {
    @Test
    void theBenchmarksOptionsAreRead() {
        Benchmark.Options o = BenchOptions.parse("bench", new Benchmark.Options(),
                new String[] {"--quick", "--epochs", "2", "--batch-size=128", "--out", "bench.md"});
        assertTrue(o.quick);
        assertEquals(2, o.epochs);
        assertEquals(128, o.batchSize);
        assertEquals(16, o.averageEvery, "the default");
        assertEquals(Path.of("bench.md"), o.out);
        assertNull(BenchOptions.parse("bench", new Benchmark.Options(), new String[0]).epochs);
    }

    @Test
    void anUnknownArgumentNamesTheOptionsThereAre() {
        BenchOptions.UsageException e = assertThrows(BenchOptions.UsageException.class,
                () -> BenchOptions.parse("bench compute", new ComputeBenchmark.Options(), new String[] {"--fast"}));
        assertEquals("bench compute: unknown argument --fast (expected [--quick] [--out FILE])", e.getMessage());
    }

    @Test
    void illTypedMissingAndRepeatedValuesAreOneLine() {
        for (String[] args : List.of(new String[] {"--rows", "many"}, new String[] {"--rows"},
                new String[] {"--rows", "5", "--rows", "6"}, new String[] {"--rows", "0"})) {
            BenchOptions.UsageException e = assertThrows(BenchOptions.UsageException.class,
                    () -> BenchOptions.parse("bench data", new DataBenchmark.Options(), args));
            assertTrue(e.getMessage().startsWith("bench data: ") && e.getMessage().contains("--rows")
                    && e.getMessage().lines().count() == 1, e.getMessage());
        }
    }

    @Test
    void timeToAccuracyChecksItsModel() {
        BenchOptions.UsageException e = assertThrows(BenchOptions.UsageException.class,
                () -> BenchOptions.parse("bench time-to-accuracy", new TimeToAccuracy.Options(),
                        new String[] {"--model", "resnet"}));
        assertEquals("bench time-to-accuracy: --model must be mlp or cnn, not resnet", e.getMessage());
    }

    @Test
    void timeToAccuracyChecksItsPeers() {
        BenchOptions.UsageException e = assertThrows(BenchOptions.UsageException.class,
                () -> BenchOptions.parse("bench time-to-accuracy", new TimeToAccuracy.Options(),
                        new String[] {"--model", "cnn", "--peers", "2,4"}));
        assertEquals("bench time-to-accuracy: --peers must list 1 and/or 2 (PyTorch processes), not [2, 4]",
                e.getMessage());
        TimeToAccuracy.Options ddpOnly = BenchOptions.parse("bench time-to-accuracy", new TimeToAccuracy.Options(),
                new String[] {"--model", "cnn", "--peers", "2"});
        assertEquals(List.of(2), ddpOnly.peers);
    }

    @Test
    void scalingOptionsAreCheckedAsAWhole() {
        ScalingOptions defaults = ScalingOptions.parse(new String[0]);
        assertEquals(List.of(Algorithm.RING, Algorithm.HIERARCHICAL), defaults.algorithms());
        assertEquals(0.5, defaults.gbit());
        ScalingOptions ring = ScalingOptions.parse(new String[] {"--quick", "--algorithms", "ring", "--link-gbit",
                "2", "--compute-ms", "5"});
        assertEquals(List.of(Algorithm.RING), ring.algorithms());
        assertEquals(2.0, ring.gbit());
        assertEquals(5, ring.computeMs());
        assertEquals("bench scaling: --algorithms: unknown algorithm 'tree' (expected ring or hierarchical)",
                assertThrows(BenchOptions.UsageException.class,
                        () -> ScalingOptions.parse(new String[] {"--algorithms", "ring,tree"})).getMessage());
        assertEquals("bench scaling: --compute-ms must be in [0, 10000] but got -1",
                assertThrows(BenchOptions.UsageException.class,
                        () -> ScalingOptions.parse(new String[] {"--compute-ms", "-1"})).getMessage());
    }

    @Test
    void theChildProgramsReadWhatTheirParentsPass() {
        CollectiveRank.Options rank = BenchOptions.parse("CollectiveRank", new CollectiveRank.Options(), new String[] {
            "--rendezvous", "127.0.0.1:7000", "--secret", "s", "--token", "scaling-1", "--rank", "1", "--size", "4",
            "--host", "127.0.0.3", "--kind", "HIERARCHICAL", "--floats", "1000000,10000000", "--reps", "6,3",
            "--warmup", "2,2", "--compute-ms", "20", "--timeout-s", "180"});
        assertEquals(org.sparkddp.common.config.CollectiveKind.HIERARCHICAL, rank.kind);
        assertEquals(List.of(1_000_000L, 10_000_000L), java.util.Arrays.stream(rank.floats).boxed().toList());
        assertEquals(180, rank.timeoutSeconds);
        assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parse("CollectiveRank",
                new CollectiveRank.Options(), new String[] {"--rank", "1"}), "the others are required");
        SgemmCeiling.Options sgemm = BenchOptions.parse("SgemmCeiling", new SgemmCeiling.Options(),
                new String[] {"--runs", "20", "128", "784", "256", "128", "256", "128"});
        assertEquals(List.of(128, 784, 256, 128, 256, 128), sgemm.shapes);
        assertEquals("SgemmCeiling: shapes come as M K N, three numbers each, but got 4 numbers",
                assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parse("SgemmCeiling",
                        new SgemmCeiling.Options(), new String[] {"--runs", "2", "1", "2", "3", "4"})).getMessage());
        StepRate.Options step = BenchOptions.parse("StepRate", new StepRate.Options(), new String[] {"--warmup", "3",
            "--steps", "10", "--input", "1,28,28", "--config", "conf/fashion-mnist-cnn.conf", "--set", "a=1"});
        assertEquals(List.of(1, 28, 28), java.util.Arrays.stream(step.shape).boxed().toList());
        assertEquals("conf/fashion-mnist-cnn.conf", step.config.config);
        assertEquals(List.of("a=1"), step.config.overrides);
        StepProfile.Options profile = StepProfile.Options.parse(new String[] {"job.conf", "--workspaces", "none",
            "--helpers", "off"});
        assertEquals(Path.of("job.conf"), profile.config());
        assertEquals(org.deeplearning4j.nn.conf.WorkspaceMode.NONE, profile.workspaces());
        assertEquals(false, profile.helpers());
        assertEquals("StepProfile: --format must be factory, nchw or nhwc, not nwhc",
                assertThrows(BenchOptions.UsageException.class, () -> StepProfile.Options.parse(
                        new String[] {"job.conf", "--format", "nwhc"})).getMessage());
    }
}
