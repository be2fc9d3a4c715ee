package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.Distributed.finalState;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.storage.RDDBlockId;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.data.shard.ShardStorage;
import org.sparkddp.common.data.shard.SpilledBytes;
import org.sparkddp.common.data.shard.StoredFeatures;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.driver.TrainingJob;
import org.sparkddp.driver.data.InMemoryExamples;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.train.TrainingResult;

/**
 * Shards over data.cache-memory spill to the executors' local disk and train to the same parameters, bit for bit;
 * shards that Spark evicted and rebuilt are counted.
 */
class OutOfCoreTest extends LocalSparkTest {
    /** Each of the 2 workers' shards holds 1,000 images of 784 bytes: 784,000 bytes, 12 times this budget. */
    private static final String SMALL_BUDGET = "data.cache-memory=64K";

    private TrainingResult train(String name, String... overrides) throws IOException {
        List<String> all = new java.util.ArrayList<>(List.of("output.dir=" + out.resolve(name),
                "training.epochs=2", "training.workers=2"));
        all.addAll(List.of(overrides));
        ConfigLoader.Loaded loaded = TestData.config(out, all.toArray(String[]::new));
        TrainingJob job = new TrainingJob(loaded, new Configuration(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
        return job.run(sc, job.prepare());
    }

    @Test
    void shardsOnDiskTrainToTheInMemoryParametersBitForBit() throws IOException {
        TrainingResult inMemory = train("in-memory");
        long spilledBefore = SpilledBytes.spilledInThisJvm();
        TrainingResult onDisk = train("on-disk", SMALL_BUDGET);
        // 2 training shards and 2 test slices (500 images each, 392,000 bytes) went to disk.
        assertTrue(SpilledBytes.spilledInThisJvm() - spilledBefore >= 4,
                "shards spilled: " + (SpilledBytes.spilledInThisJvm() - spilledBefore));

        assertEquals(inMemory.iterations(), onDisk.iterations());
        assertTrue(Arrays.equals(finalState(inMemory).params(), finalState(onDisk).params()), "parameters differ");
        assertTrue(Arrays.equals(finalState(inMemory).updaterState(), finalState(onDisk).updaterState()),
                "optimizer state differs");
        assertEquals(inMemory.test().accuracy(), onDisk.test().accuracy(), 0.0);
        JsonNode summary = Json.parse(java.nio.file.Files.readString(out.resolve("on-disk/summary.json")));
        assertEquals(0, summary.path("shard_rebuilds").asLong(-1), "no shard was evicted");
    }

    /** Images the executors read in splits (SplitIdxImages) spill as they are joined into shards. */
    @Test
    void splitReadShardsOnDiskTrainToTheInMemoryParametersBitForBit() throws IOException {
        java.nio.file.Path raw = out.resolve("raw");
        java.nio.file.Files.createDirectories(raw);
        for (String name : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte")) {
            try (java.io.InputStream in = new java.util.zip.GZIPInputStream(
                    java.nio.file.Files.newInputStream(TestData.DIR.resolve(name + ".gz")))) {
                java.nio.file.Files.copy(in, raw.resolve(name));
            }
        }
        String[] splitRead = {"data.train=" + raw.resolve("train-images-idx3-ubyte"),
                "data.test=" + raw.resolve("t10k-images-idx3-ubyte"), "data.split-size=200K"};
        TrainingResult inMemory = train("split-in-memory", splitRead);
        long spilledBefore = SpilledBytes.spilledInThisJvm();
        String[] onDisk = Arrays.copyOf(splitRead, splitRead.length + 1);
        onDisk[splitRead.length] = SMALL_BUDGET;
        TrainingResult spilled = train("split-on-disk", onDisk);
        assertTrue(SpilledBytes.spilledInThisJvm() - spilledBefore >= 4,
                "shards spilled: " + (SpilledBytes.spilledInThisJvm() - spilledBefore));
        assertTrue(Arrays.equals(finalState(inMemory).params(), finalState(spilled).params()), "parameters differ");
    }

    @Test
    void shardsStoredUnderTheBudgetAreOnTheExecutorsDisk() {
        ShardStorage storage = ShardStorage.of(OptionalLong.of(64 << 10));
        try (ShardedData shards = new InMemoryExamples("train", data.train()).shards(sc,
                VirtualShards.of(data.train().size(), DataConfig.DEFAULT_VIRTUAL_SHARDS), 2, storage, "spilled")) {
            List<Boolean> spilled = shards.rdd()
                    .map(shard -> ((StoredFeatures) shard.features()).spilled()).collect();
            assertEquals(List.of(true, true), spilled);
        }
    }

    @Test
    void evictedShardsAreCountedWhenRebuilt() {
        try (ShardedData shards = new InMemoryExamples("train", data.train()).shards(sc,
                VirtualShards.of(data.train().size(), DataConfig.DEFAULT_VIRTUAL_SHARDS), 2, "evicted")) {
            assertEquals(data.train().size(), shards.rdd().map(s -> s.size()).reduce(Integer::sum));
            shards.rdd().count(); // cached: no rebuild
            assertEquals(0, shards.rebuilds());

            // What Spark does to a cached block under memory pressure (local mode: the executor's block manager).
            SparkEnv.get().blockManager().removeBlock(new RDDBlockId(shards.rdd().id(), 1), true);
            shards.rdd().count();
            assertEquals(1, shards.rebuilds());
            shards.rdd().count();
            assertEquals(1, shards.rebuilds(), "rebuilt once, then cached again");
        }
    }
}
