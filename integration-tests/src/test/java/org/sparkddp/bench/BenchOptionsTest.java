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
}
