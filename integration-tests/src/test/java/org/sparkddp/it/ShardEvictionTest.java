package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.driver.TrainingJob;
import org.sparkddp.driver.output.Json;

/**
 * Executors whose storage memory cannot hold a shard: Spark drops it and rebuilds it every stage, which the run
 * reports (console and summary.json); with a data.cache-memory the shards spill and are cached, and nothing is
 * rebuilt.
 */
class ShardEvictionTest extends LocalSparkTest {
    /**
     * NOTE: Spark's unified memory is (system memory - 300 MB) * spark.memory.fraction; 450 MB of "system memory"
     * (the least Spark accepts) and a fraction of 0.001 leave 150 KB, less than one 784,000-byte shard in memory.
     * Caching a block first reserves spark.storage.unrollMemoryThreshold (1 MB by default): 1,024 bytes let a small one
     * (a spilled shard's handle and labels) in.
     */
    @Override
    String[] contextSettings() {
        return new String[] {"spark.testing.memory=471859200", "spark.memory.fraction=0.001",
                "spark.storage.unrollMemoryThreshold=1024"};
    }

    private record Run(String console, JsonNode summary) {
    }

    private Run train(String name, String... overrides) throws IOException {
        List<String> all = new java.util.ArrayList<>(List.of("output.dir=" + out.resolve(name), "training.epochs=2",
                "training.workers=2"));
        all.addAll(List.of(overrides));
        ConfigLoader.Loaded loaded = TestData.config(out, all.toArray(String[]::new));
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        TrainingJob job = new TrainingJob(loaded, new Configuration(),
                new PrintStream(console, true, StandardCharsets.UTF_8), false);
        job.run(sc, job.prepare());
        return new Run(console.toString(StandardCharsets.UTF_8),
                Json.parse(Files.readString(out.resolve(name).resolve("summary.json"))));
    }

    @Test
    void shardsSparkCouldNotKeepAreReportedAsRebuilt() throws IOException {
        Run run = train("evicted");
        long rebuilds = run.summary().path("shard_rebuilds").asLong(-1);
        // 2 epochs: each training stage and each evaluation rebuilds its partitions (the first build excepted).
        assertTrue(rebuilds >= 4, "shard_rebuilds " + rebuilds);
        assertTrue(run.console().contains(String.format("shards: %,d rebuilt after Spark evicted them", rebuilds)),
                run.console());
    }

    @Test
    void spilledShardsStayCachedAndAreNotRebuilt() throws IOException {
        Run run = train("spilled", "data.cache-memory=64K");
        assertEquals(0, run.summary().path("shard_rebuilds").asLong(-1));
        assertFalse(run.console().contains("rebuilt"), run.console());
    }
}
