package org.sparkddp.driver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.model.ModelSize;

/** The native memory estimate, and how it is held against (or sized into) what the executors are given. */
class ExecutorMemoryTest {
    /** 10M parameters with Adam, 1,000 activations an example. */
    private static final ModelSize MODEL = new ModelSize(10_000_000, 2, 1_000);
    private static final long MIB = 1L << 20;

    private static TrainingConfig training(String... overrides) {
        List<String> all = new ArrayList<>(List.of("data.train=a-images-idx3-ubyte", "data.test=b-images-idx3-ubyte",
                "output.dir=/tmp/x", "training.workers=4", "training.batch-size=128"));
        all.addAll(List.of(overrides));
        return ConfigLoader.load(null, all).config().training();
    }

    private static SparkConf cluster(String... settings) {
        SparkConf conf = new SparkConf(false).set("spark.master", "spark://m:7077");
        for (int i = 0; i < settings.length; i += 2) {
            conf.set(settings[i], settings[i + 1]);
        }
        return conf;
    }

    @Test
    void theEstimateIsTheSumOfItsParts() {
        ModelMemory m = ModelMemory.of(MODEL, training("training.sharded-optimizer=true"), 2);
        long p = 10_000_000L * 4;
        assertEquals(p, m.parameterBytes());
        assertEquals(p, m.gradientBytes());
        assertEquals(2 * p, m.optimizerBytes());
        assertEquals(3 * p / 4, m.sliceBytes(), "a quarter of parameters and Adam state");
        assertEquals(2 * 32 * 1_000 * 4, m.activationBytes(), "128 examples over 4 workers, forward and backward");
        assertEquals(2 * 2 * (3 * p / 4), m.storedStateBytes(), "2 slots' slices, replicated twice");
        assertEquals(64 * MIB, m.stagingBytes());
        assertEquals(2 * (4 * p + 3 * p / 4 + 256_000) + 3 * p + 64 * MIB, m.executorBytes());
        assertEquals(0, ModelMemory.of(MODEL, training("training.sharded-optimizer=false"), 2).sliceBytes());
        // Local mode runs every rank in one JVM; a cluster executor no more ranks than there are workers.
        assertEquals(4, ModelMemory.of(MODEL, training(), 16).slots());
        String parts = m.describe();
        assertTrue(parts.contains("parameters 10,000,000 x 4 B") && parts.contains("optimizer state 10,000,000 x 2"
                + " x 4 B"), parts);
        assertEquals(1, parts.lines().count());
        // The engine's convolution scratch counts per slot, for the local batch.
        ModelMemory conv = ModelMemory.of(new ModelSize(10_000_000, 2, 1_000, 5_000),
                training("training.sharded-optimizer=true"), 2);
        assertEquals(32 * 5_000 * 4, conv.scratchBytes());
        assertEquals(m.executorBytes() + 2 * 32 * 5_000 * 4, conv.executorBytes());
        assertTrue(conv.describe().contains("engine scratch 5,000 values x 4 B per example"), conv.describe());
    }

    @Test
    void inLocalModeTheJvmsOwnLimitMustHoldEveryRank() {
        ModelMemory need = ModelMemory.of(MODEL, training(), 4);
        ExecutorMemory.localJvm(need.executorBytes()).fit(MODEL, training());
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ExecutorMemory.localJvm(need.executorBytes() - 1).fit(MODEL, training()));
        assertEquals("org.bytedeco.javacpp.maxbytes", e.key());
        assertTrue(e.getMessage().contains("parameters 10,000,000 x 4 B"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void anUnsetExecutorLimitIsSizedFromTheModelKeepingTheUsersOptions() {
        SparkConf conf = cluster("spark.executor.extraJavaOptions", "-Xmn4m -Dfoo=bar", "spark.executor.memory", "1g");
        String note = ExecutorMemory.of(conf).fit(MODEL, training()).orElseThrow();
        String options = conf.get("spark.executor.extraJavaOptions");
        assertTrue(options.startsWith("-Xmn4m -Dfoo=bar -Dorg.bytedeco.javacpp.maxbytes="), options);
        long limit = ExecutorMemory.option(options, ExecutorMemory.MAXBYTES).getAsLong();
        long need = ModelMemory.of(MODEL, training(), 1).executorBytes();
        assertTrue(limit >= need && limit >= 1L << 30, limit + " for " + need);
        assertTrue(ExecutorMemory.option(options, ExecutorMemory.MAXPHYSICAL).getAsLong() > limit + (1L << 30));
        assertFalse(conf.contains("spark.executor.memoryOverhead"), "standalone does not use it");
        assertTrue(note.contains("sized from the model"), note);
        // On YARN (and Kubernetes) the container is sized for the limit too.
        SparkConf yarn = cluster("spark.master", "yarn");
        ExecutorMemory.of(yarn).fit(MODEL, training());
        long yarnLimit = ExecutorMemory.option(yarn.get("spark.executor.extraJavaOptions"), ExecutorMemory.MAXBYTES)
                .getAsLong();
        assertEquals(yarnLimit / MIB + 1024, yarn.getSizeAsMb("spark.executor.memoryOverhead", "0"));
    }

    @Test
    void aGivenExecutorLimitTooSmallForTheModelIsOneLineNamingTheKey() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ExecutorMemory.of(cluster(
                "spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=100m")).fit(MODEL, training()));
        assertEquals("spark.executor.extraJavaOptions", e.key());
        assertTrue(e.getMessage().contains("-Dorg.bytedeco.javacpp.maxbytes=100m is below"), e.getMessage());
        // Large enough: nothing changes.
        SparkConf fits = cluster("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=2g");
        assertFalse(ExecutorMemory.of(fits).fit(MODEL, training()).isPresent());
        assertEquals("-Dorg.bytedeco.javacpp.maxbytes=2g", fits.get("spark.executor.extraJavaOptions"));
        assertFalse(fits.contains("spark.executor.memoryOverhead"));
    }

    @Test
    void aContainerOverheadBelowTheLimitIsOneLineNamingIt() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ExecutorMemory.of(cluster(
                "spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=2g",
                "spark.executor.memoryOverhead", "1g")).fit(MODEL, training()));
        assertEquals("spark.executor.memoryOverhead", e.key());
        assertTrue(e.getMessage().contains("at least 3072m"), e.getMessage());
    }

    @Test
    void executorsAlreadyRunningWithoutTheOptionHaveTheirHeapsAsLimit() {
        // JavaCPP's default limit is the heap: 256m cannot hold the model, whatever the estimate's headroom.
        SparkConf small = cluster("spark.executor.memory", "256m");
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ExecutorMemory.running(small).fit(MODEL, training()));
        assertEquals("spark.executor.extraJavaOptions", e.key());
        assertFalse(small.contains("spark.executor.memoryOverhead"), "a running context's conf is not changed");
    }

    @Test
    void javaOptionsAreReadAsTheJvmDoes() {
        assertEquals(OptionalLong.of(3L << 30), ExecutorMemory.option("-Dorg.bytedeco.javacpp.maxbytes=1g -Xmx2g"
                + " -Dorg.bytedeco.javacpp.maxbytes=3g", ExecutorMemory.MAXBYTES), "the last one wins");
        assertEquals(OptionalLong.of(512L << 20), ExecutorMemory.option("-Dorg.bytedeco.javacpp.maxbytes=512m",
                ExecutorMemory.MAXBYTES));
        assertEquals(OptionalLong.empty(), ExecutorMemory.option("-Dorg.bytedeco.javacpp.maxbytes=50%",
                ExecutorMemory.MAXBYTES));
        assertEquals(OptionalLong.empty(), ExecutorMemory.option("-Dxorg.bytedeco.javacpp.maxbytes=1g",
                ExecutorMemory.MAXBYTES));
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ExecutorMemory.option(
                "-Dorg.bytedeco.javacpp.maxbytes=lots", ExecutorMemory.MAXBYTES));
        assertEquals("spark.executor.extraJavaOptions", e.key());
    }
}
