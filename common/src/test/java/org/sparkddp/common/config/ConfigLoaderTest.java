package org.sparkddp.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sparkddp.common.config.ConfigText.failure;
import static org.sparkddp.common.config.ConfigText.load;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.error.InvalidConfigException;

class ConfigLoaderTest {
    @Test
    void defaultsApplyWhenTheFileIsSilent() {
        SparkDdpConfig c = load("");
        assertEquals(TrainingMode.SYNC, c.training().mode());
        assertEquals(8, c.training().averageEvery());
        assertTrue(c.training().shardedOptimizer());
        assertEquals(CollectiveKind.AUTO, c.training().collective());
        assertEquals(2, c.training().workers());
        assertEquals(128, c.training().batchSize());
        assertTrue(c.training().maxIterations().isEmpty());
        assertTrue(c.training().iterationsPerStage().isEmpty());
        assertEquals(Duration.ofSeconds(120), c.training().syncTimeout());
        assertEquals(OptimizerName.ADAM, c.optimizer().name());
        assertEquals(0.001, c.optimizer().learningRate(), 0.0);
        assertEquals(List.of(new LayerSpec.Dense("model.layers[0]", 256, ActivationName.RELU),
                new LayerSpec.Dense("model.layers[1]", 128, ActivationName.RELU)), c.model().layers());
        assertEquals(LossName.CROSS_ENTROPY, c.model().output().loss());
        assertEquals("local[*]", c.spark().master());
        assertEquals("local[*]", c.spark().defaults().get("spark.master"));
        assertTrue(c.spark().explicit().isEmpty());
    }

    @Test
    void fileValuesAndThenOverridesWin() {
        SparkDdpConfig c = load("training { workers = 4, batch-size = 256 }\noptimizer.name = sgd\n",
                "training.workers=3", "model.layers=[{type=dense,units=64}]", "training.max-iterations=20", "optimizer.learning-rate=0.5");
        assertEquals(3, c.training().workers());
        assertEquals(256, c.training().batchSize());
        assertEquals(OptimizerName.SGD, c.optimizer().name());
        assertEquals(0.5, c.optimizer().learningRate(), 0.0);
        assertEquals(List.of(new LayerSpec.Dense("model.layers[0]", 64, ActivationName.RELU)), c.model().layers());
        assertEquals(20L, c.training().maxIterations().getAsLong());
    }

    @Test
    void theResolvedConfigKeepsTheTypesTheOverridesWereReadAs() {
        List<String> overrides = new java.util.ArrayList<>(ConfigText.REQUIRED);
        overrides.addAll(List.of("training.epochs=10", "optimizer.learning-rate=0.0005", "training.sharded-optimizer=false",
                "training.max-iterations=40", "output.dir=12345"));
        String json = ConfigLoader.load(new ConfigLoader.Source("job.conf", ""), overrides).resolvedJson();
        com.typesafe.config.Config resolved = com.typesafe.config.ConfigFactory.parseString(json);
        // --set gives strings; the resolved document has what the loader read them as.
        assertEquals(com.typesafe.config.ConfigValueType.NUMBER, resolved.getValue("training.epochs").valueType());
        assertEquals(10, resolved.getInt("training.epochs"));
        assertEquals(com.typesafe.config.ConfigValueType.NUMBER, resolved.getValue("optimizer.learning-rate").valueType());
        assertEquals(0.0005, resolved.getDouble("optimizer.learning-rate"));
        assertEquals(com.typesafe.config.ConfigValueType.NUMBER, resolved.getValue("training.max-iterations").valueType());
        assertEquals(com.typesafe.config.ConfigValueType.BOOLEAN,
                resolved.getValue("training.sharded-optimizer").valueType());
        assertFalse(resolved.getBoolean("training.sharded-optimizer"));
        // A string key stays a string though it spells a number; the document reads back to the same config.
        assertEquals(com.typesafe.config.ConfigValueType.STRING, resolved.getValue("output.dir").valueType());
        assertEquals(10, ConfigLoader.load(new ConfigLoader.Source("resolved.json", json), List.of()).config()
                .training().epochs());
    }

    @Test
    void laterOverridesWinOverEarlierOnes() {
        assertEquals(5, load("", "training.workers=7", "training.workers=5").training().workers());
    }

    @Test
    void nullOverrideClearsAnOptionalKey() {
        SparkDdpConfig c = load("training.max-iterations = 10", "training.max-iterations=null");
        assertTrue(c.training().maxIterations().isEmpty());
    }

    @Test
    void unknownKeyNamesKeyFileLineAndSuggestsTheClosestKey() {
        String message = failure("training {\n  workers = 2\n  batchsize = 64\n}\n");
        assertEquals("job.conf:3: training.batchsize: unknown key (did you mean training.batch-size?)", message);
    }

    @Test
    void unknownTopLevelKeyWithAKnownLeafSuggestsItsSection() {
        assertTrue(failure("epochs = 3").contains("did you mean training.epochs?"));
    }

    @Test
    void unknownKeyFromTheCommandLineSaysSo() {
        assertEquals("--set: training.wrokers: unknown key (did you mean training.workers?)",
                failure("", "training.wrokers=2"));
    }

    @Test
    void nonNumericLearningRateInTheFileNamesTheLine() {
        assertEquals("job.conf:2: optimizer.learning-rate: expected a number but got 'fast'",
                failure("optimizer {\n  learning-rate = fast\n}"));
    }

    @Test
    void listValuesOnTheCommandLineAreLocatedAsSet() {
        assertEquals("--set: model.layers[1].units: must be > 0 but got -4",
                failure("", "model.layers=[{type=dense,units=8},{type=dense,units=-4}]"));
        assertEquals("--set: model.layer: unknown key (did you mean model.layers?)", failure("", "model.layer=[]"));
    }

    @Test
    void nonNumericLearningRateOnTheCommandLine() {
        assertEquals("--set: optimizer.learning-rate: expected a number but got 'fast'",
                failure("", "optimizer.learning-rate=fast"));
    }

    @Test
    void fractionalWorkerCountIsRejected() {
        assertEquals("job.conf:1: training.workers: expected an integer but got 2.5", failure("training.workers = 2.5"));
    }

    @Test
    void nonPositiveWorkersAndBatchSizeAreRejectedWithTheirLine() {
        assertEquals("job.conf:1: training.workers: must be > 0 but got 0", failure("training.workers = 0"));
        assertEquals("job.conf:1: training.batch-size: must be > 0 but got -3", failure("training.batch-size = -3"));
        assertEquals("--set: training.epochs: must be > 0 but got 0", failure("", "training.epochs=0"));
    }

    @Test
    void batchSmallerThanWorkerCountIsRejected() {
        String message = failure("training { workers = 4\nbatch-size = 2 }");
        assertTrue(message.startsWith("job.conf:2: training.batch-size: must be at least training.workers (4)"), message);
    }

    @Test
    void elasticKeysAreReadAndChecked() {
        TrainingConfig fixed = load("").training();
        assertEquals(false, fixed.elastic().enabled());
        assertEquals(2, fixed.elastic().minWorkers());
        assertEquals(2, fixed.elastic().maxWorkers());
        assertEquals(java.time.Duration.ofSeconds(60), fixed.elastic().replacementWait());
        assertEquals(java.util.OptionalInt.of(60), fixed.stageSeconds());
        assertEquals(java.time.Duration.ofHours(1), fixed.jobTimeout());

        TrainingConfig elastic = load("training { elastic = true\nmin-workers = 1\nmax-workers = 4 }").training();
        assertEquals(true, elastic.elastic().enabled());
        assertEquals(1, elastic.elastic().minWorkers());
        assertEquals(4, elastic.elastic().maxWorkers());
        assertEquals(2, load("training.elastic = true").training().elastic().maxWorkers(), "max-workers defaults to workers");
        assertEquals(java.util.OptionalInt.empty(), load("training.stage-seconds = null").training().stageSeconds());
    }

    @Test
    void elasticKeysWithoutElasticAreRejected() {
        assertEquals("job.conf:1: training.min-workers: applies only with training.elastic = true",
                failure("training.min-workers = 2"));
        assertEquals("--set: training.max-workers: applies only with training.elastic = true",
                failure("", "training.max-workers=3"));
    }

    @Test
    void inconsistentWorkerRangesAreRejected() {
        assertEquals("job.conf:2: training.min-workers: must be at most training.max-workers (2) but got 3",
                failure("training { elastic = true\nmin-workers = 3 }"));
        assertTrue(failure("training { elastic = true\nmin-workers = 3\nmax-workers = 4 }")
                .contains("training.workers: must lie between training.min-workers (3) and training.max-workers (4)"));
        assertTrue(failure("training { elastic = true\nmax-workers = 300\nbatch-size = 128 }")
                .contains("training.batch-size: must be at least training.max-workers (300)"));
        assertTrue(failure("training.job-timeout = 0s").contains("training.job-timeout: must be between 1s and 7d"));
        assertTrue(failure("training.stage-seconds = 0").contains("training.stage-seconds: must be > 0 but got 0"));
    }

    @Test
    void stateChunksAreWholeFloatsWithinBounds() {
        assertTrue(failure("training.state-chunk = 512B").contains("training.state-chunk: must be a multiple of 4 "
                + "bytes between 1k and 1g but got 512 bytes"));
        assertTrue(failure("training.state-chunk = 1026B").contains("training.state-chunk"));
        assertTrue(failure("training.state-chunk = 2g").contains("training.state-chunk"));
        SparkDdpConfig small = ConfigLoader.load(null, List.of("data.train=unused-images-idx3-ubyte",
                "data.test=unused-images-idx3-ubyte", "output.dir=unused", "training.state-chunk=64k")).config();
        assertEquals(16 * 1024, small.training().stateChunkFloats());
    }

    @Test
    void bucketSizesAreBoundedAndZeroTurnsOverlapOff() {
        assertTrue(failure("training.bucket-mb = -1").contains("training.bucket-mb: must be between 0 (no overlap)"
                + " and 1024 but got -1.0"));
        assertTrue(failure("training.bucket-mb = 2000").contains("training.bucket-mb"));
        assertTrue(failure("training.bucket-mb = lots").contains("training.bucket-mb"));
        assertEquals(0.0, load("training.bucket-mb = 0").training().bucketMb());
        assertEquals(0.5, load("training.bucket-mb = 0.5").training().bucketMb());
    }

    @Test
    void zeroLayerSizeNamesTheElement() {
        assertEquals("job.conf:3: model.layers[1].units: must be > 0 but got 0",
                failure("model.layers = [\n  { type = dense, units = 32 }\n  { type = dense, units = 0 }\n]"));
    }

    @Test
    void unknownChoiceListsTheAllowedOnes() {
        assertEquals("job.conf:1: optimizer.name: must be one of sgd, momentum, nesterov, adagrad, rmsprop, adam but got 'adamw'",
                failure("optimizer.name = adamw"));
        assertEquals("--set: training.mode: must be one of sync, average but got 'async'",
                failure("", "training.mode=async"));
        assertEquals("--set: training.collective: must be one of auto, ring, hierarchical, shared-memory but got 'tree'",
                failure("", "training.collective=tree"));
        assertEquals(CollectiveKind.HIERARCHICAL, load("", "training.collective=hierarchical").training().collective());
        assertEquals(CollectiveKind.SHARED_MEMORY, load("", "training.collective=shared-memory").training().collective());
        assertEquals("--set: training.wire: must be one of fp32, bf16 but got 'fp16'", failure("", "training.wire=fp16"));
        assertEquals(WireFormat.FP32, load("").training().wire());
        assertEquals(WireFormat.BF16, load("", "training.wire=bf16").training().wire());
    }

    @Test
    void missingRequiredKeyTellsHowToSetIt() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.load(new ConfigLoader.Source("job.conf", "output.dir = x\ndata.test = y"), List.of()));
        assertEquals("data.train: is required: set it in the config file or with --set data.train=...", e.getMessage());
    }

    @Test
    void sectionWhereAValueBelongsIsRejected() {
        assertEquals("job.conf:1: training.workers: expected a value, not a section { ... }",
                failure("training.workers { count = 2 }"));
        assertEquals("job.conf:1: training: is a section { ... }, not a value", failure("training = 3"));
    }

    @Test
    void syntaxErrorsNameTheLine() {
        String message = failure("training {\n  workers = 2\n");
        assertTrue(message.startsWith("job.conf:"), message);
        assertTrue(message.contains("not valid HOCON"), message);
    }

    @Test
    void malformedOverrideIsRejected() {
        assertEquals("--set: expected key=value but got 'training.workers'", failure("", "training.workers"));
    }

    @Test
    void sparkPropertiesPassThroughAndRememberWhoSetThem() {
        SparkDdpConfig c = load("spark.hadoop.fs.defaultFS = \"hdfs://nn:8020\"\nspark.executor.memory = 2g",
                "spark.master=local[2]");
        assertEquals("hdfs://nn:8020", c.spark().explicit().get("spark.hadoop.fs.defaultFS"));
        assertEquals("2g", c.spark().explicit().get("spark.executor.memory"));
        assertEquals("local[2]", c.spark().explicit().get("spark.master"));
        assertEquals("local[2]", c.spark().master());
    }

    @Test
    void sparkPropertiesMustBeScalars() {
        assertTrue(failure("spark.jars = [a, b]").contains("spark.jars: Spark properties are strings"));
    }

    @Test
    void booleansAcceptTrueAndFalseOnly() {
        assertFalse(load("", "training.sharded-optimizer=false").training().shardedOptimizer());
        assertEquals("job.conf:1: training.sharded-optimizer: expected true or false but got 'yes'",
                failure("training.sharded-optimizer = yes"));
    }

    @Test
    void durationsAcceptUnits() {
        assertEquals(Duration.ofMinutes(2), load("training.sync-timeout = 2m").training().syncTimeout());
        assertTrue(failure("training.sync-timeout = soon").contains("expected a duration"));
        assertEquals("--set: training.sync-timeout: expected a duration with a unit, such as 120s or 2m but got '300'",
                failure("", "training.sync-timeout=300"));
        assertEquals("job.conf:1: training.sync-timeout: expected a duration with a unit, such as 120s or 2m but got 300",
                failure("training.sync-timeout = 300"));
        assertEquals("job.conf:1: training.sync-timeout: must be between 1s and 1d but got PT720H",
                failure("training.sync-timeout = 30d"));
    }

    @Test
    void resolvedDocumentRecordsEffectiveValues() {
        ConfigLoader.Loaded loaded = ConfigLoader.load(new ConfigLoader.Source("job.conf", "training.epochs = 3"),
                ConfigText.REQUIRED);
        assertTrue(loaded.resolvedJson().contains("\"epochs\" : 3"), loaded.resolvedJson());
    }

    @Test
    void everyShippedConfigParses() throws IOException {
        Path conf = Path.of("..", "conf");
        try (var files = Files.list(conf)) {
            List<Path> configs = files.filter(p -> p.toString().endsWith(".conf")).toList();
            assertFalse(configs.isEmpty(), "no configs under " + conf.toAbsolutePath());
            for (Path p : configs) {
                SparkDdpConfig c = ConfigLoader.load(new ConfigLoader.Source(p.toString(), Files.readString(p)),
                        List.of()).config();
                assertTrue(c.training().epochs() > 0, p.toString());
            }
        }
    }
}
