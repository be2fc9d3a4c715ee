package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.Distributed.finalState;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkddp.bench.Benchmark;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.driver.TrainingJob;
import org.sparkddp.driver.checkpoint.Checkpoint;
import org.sparkddp.driver.checkpoint.CheckpointStore;
import org.sparkddp.driver.checkpoint.ResumeCheck;
import org.sparkddp.driver.train.TrainingDivergedException;
import org.sparkddp.driver.train.TrainingResult;

/** Checkpoints, exact resume, and divergence, in local mode through the same job the command line runs. */
@Tag("slow")
class CheckpointResumeTest extends LocalSparkTest {
    private TrainingResult run(ConfigLoader.Loaded loaded, Optional<Checkpoint> resume) throws IOException {
        TrainingJob job = new TrainingJob(loaded, new Configuration(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
        TrainingJob.Prepared prepared = job.prepare();
        resume.ifPresent(c -> ResumeCheck.verify(c, loaded, prepared.data().train()));
        return job.run(sc, prepared, resume);
    }

    /** A run on the subset with a checkpoint every 10 iterations, then the test's own overrides, which win. */
    private ConfigLoader.Loaded config(String name, String... overrides) {
        List<String> all = new java.util.ArrayList<>(List.of("output.dir=" + out.resolve(name + "-out"),
                "checkpoint.dir=" + out.resolve(name + "-ckpt"), "checkpoint.every-iterations=10",
                "training.epochs=3", "checkpoint.keep=10"));
        all.addAll(List.of(overrides));
        return TestData.config(out, all.toArray(String[]::new));
    }

    /**
     * Both modes, and sync with the state cut into 64 KB chunks, so that the state (dozens of chunks, one of them
     * straddling the parameters and the optimizer state) crosses the chunk limit many times over: stored as blocks,
     * written as chunk files in parallel, adopted back into blocks on resume. (4 KB chunks, hundreds of them, made
     * these runs ten times as long and check nothing more.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"sync", "average", "sync-64k", "average-outer-64k"})
    void resumingFromAMiddleCheckpointEndsBitForBitWhereAnUninterruptedRunEnds(String variant) throws IOException {
        String mode = variant.startsWith("average") ? "average" : "sync";
        String chunk = variant.endsWith("-64k") ? "64k" : "64m";
        String[] settings = {"training.mode=" + mode, "training.average-every=4", "training.state-chunk=" + chunk};
        if (variant.contains("outer")) {
            // local SGD's warm-up and DiLoCo's outer step, whose momentum buffer is part of the optimizer state
            settings = concat(settings, "training.average-warmup-iterations=6", "training.average-outer-lr=0.8",
                    "training.average-outer-momentum=0.9");
        }
        TrainingResult whole = run(config("whole-" + variant, settings), Optional.empty());
        assertEquals(48, whole.iterations()); // 3 epochs of 16

        CheckpointStore store = CheckpointStore.open(out.resolve("whole-" + variant + "-ckpt").toString(), 10,
                new Configuration());
        // Every 10 iterations; epoch ends get none of their own once every-iterations is set. In average mode each
        // is written at the first stage end at or after its due point, where an average (every 4) falls.
        assertEquals(mode.equals("sync")
                ? List.of("ckpt-000000000010", "ckpt-000000000020", "ckpt-000000000030", "ckpt-000000000040")
                : List.of("ckpt-000000000012", "ckpt-000000000020", "ckpt-000000000032", "ckpt-000000000040"),
                store.list());

        // A second run resumes from iteration 20 (mid-epoch 2) in a fresh output directory.
        Checkpoint middle = CheckpointStore.read(out.resolve("whole-" + variant + "-ckpt/ckpt-000000000020").toString(),
                new Configuration());
        assertEquals(20, middle.state().iteration());
        assertEquals(1, middle.meta().path("epochs_done").asInt());
        assertEquals(2000, middle.meta().path("train_examples").asInt());
        if (chunk.equals("64k")) {
            assertTrue(middle.state().chunks() > 10, middle.state().toString());
        }
        TrainingResult resumed = run(config("resumed-" + variant, settings), Optional.of(middle));

        assertEquals(whole.iterations(), resumed.iterations());
        assertTrue(Arrays.equals(finalState(whole).params(), finalState(resumed).params()), "parameters differ");
        assertTrue(Arrays.equals(finalState(whole).updaterState(), finalState(resumed).updaterState()),
                "optimizer state differs");
        assertEquals(whole.test().accuracy(), resumed.test().accuracy(), 0.0);
        if (variant.contains("outer")) { // Adam's two moments, then the outer momentum: one value per parameter each
            assertEquals(3 * finalState(whole).params().length, finalState(whole).updaterState().length);
        }
        // The resumed run's metrics carry on from the checkpoint's: every epoch is there once.
        List<String> metrics = Files.readAllLines(out.resolve("resumed-" + variant + "-out/metrics.jsonl"));
        assertEquals(3, metrics.stream().filter(l -> l.contains("\"type\":\"epoch\"")).count());
    }

    /**
     * A resume with another training.state-chunk keeps the checkpoint's cut: the ranks store, and the driver names,
     * the states that follow with the geometry of the state they start from, so the resumed run ends bit for bit
     * where the uninterrupted one does.
     */
    @Test
    void aResumeWithAnotherStateChunkKeepsTheCheckpointsCutAndEndsBitForBit() throws IOException {
        TrainingResult whole = run(config("chunk-whole", "training.state-chunk=64k", "training.epochs=2"),
                Optional.empty());
        Checkpoint middle = CheckpointStore.read(out.resolve("chunk-whole-ckpt/ckpt-000000000020").toString(),
                new Configuration());
        TrainingResult resumed = run(config("chunk-resumed", "training.state-chunk=64m", "training.epochs=2"),
                Optional.of(middle));
        assertEquals(middle.state().chunkFloats(), resumed.finalVersion().chunkFloats());
        assertTrue(Arrays.equals(finalState(whole).params(), finalState(resumed).params()), "parameters differ");
        assertTrue(Arrays.equals(finalState(whole).updaterState(), finalState(resumed).updaterState()),
                "optimizer state differs");
    }

    /**
     * training.max-iterations cuts a run between two due checkpoints, mid-epoch: its last state is checkpointed all
     * the same, and a resume with the cap lifted ends bit for bit where the uncut run ends.
     */
    @Test
    void aRunCutByMaxIterationsCheckpointsItsLastStateWhichResumesBitForBit() throws IOException {
        TrainingResult whole = run(config("uncut"), Optional.empty());
        TrainingResult cut = run(config("cut", "training.max-iterations=25"), Optional.empty());
        assertEquals(25, cut.iterations());
        CheckpointStore store = CheckpointStore.open(out.resolve("cut-ckpt").toString(), 10, new Configuration());
        assertEquals(List.of("ckpt-000000000010", "ckpt-000000000020", "ckpt-000000000025"), store.list());

        Checkpoint last = CheckpointStore.read(out.resolve("cut-ckpt").toString(), new Configuration());
        assertEquals(25, last.state().iteration());
        TrainingResult resumed = run(config("cut-resumed"), Optional.of(last));
        assertEquals(48, resumed.iterations());
        assertTrue(Arrays.equals(finalState(whole).params(), finalState(resumed).params()), "parameters differ");
        assertTrue(Arrays.equals(finalState(whole).updaterState(), finalState(resumed).updaterState()),
                "optimizer state differs");
    }

    @Test
    void aResumedRunsFiguresAreOverItsOwnIterationsAndItsTotalsContinueTheCheckpoints() throws IOException {
        run(config("figures-whole"), Optional.empty());
        Checkpoint middle = CheckpointStore.read(out.resolve("figures-whole-ckpt/ckpt-000000000020").toString(),
                new Configuration());
        double before = middle.meta().path("train_seconds").asDouble();
        assertTrue(before > 0, "the checkpoint does not record its training time: " + middle.meta());
        TrainingResult resumed = run(config("figures-resumed"), Optional.of(middle));
        JsonNode whole = ChildRun.summary(out.resolve("figures-whole-out"));
        JsonNode summary = ChildRun.summary(out.resolve("figures-resumed-out"));

        // Totals: where the model is, as in the uninterrupted run; the training time carries on from the checkpoint.
        assertEquals(whole.path("iterations").asLong(), summary.path("iterations").asLong());
        assertEquals(whole.path("epochs").asInt(), summary.path("epochs").asInt());
        assertEquals(28, summary.path("iterations_this_run").asLong());
        assertEquals(48, whole.path("iterations_this_run").asLong());
        assertEquals(before + resumed.trainNanos() / 1e9, summary.path("train_seconds").asDouble(), 0.002);
        assertEquals(middle.location(), summary.path("resumed_from").path("checkpoint").asText());
        assertEquals(20, summary.path("resumed_from").path("iteration").asLong());
        assertTrue(whole.path("resumed_from").isMissingNode(), whole.toString());

        // metrics.jsonl: train_seconds grows through the resume; this run's epochs (2 and 3) hold its 28 iterations,
        // and the run's per-iteration figures are their iteration-weighted mean, not divided by all 48.
        List<JsonNode> epochs = Files.readAllLines(out.resolve("figures-resumed-out/metrics.jsonl")).stream()
                .map(org.sparkddp.driver.output.Json::parse).filter(n -> n.path("type").asText().equals("epoch"))
                .toList();
        assertEquals(3, epochs.size());
        for (int e = 1; e < epochs.size(); e++) {
            assertTrue(epochs.get(e).path("train_seconds").asDouble() > epochs.get(e - 1).path("train_seconds")
                    .asDouble(), "train_seconds goes back at epoch " + (e + 1) + ": " + epochs);
        }
        assertEquals(epochs.get(2).path("train_seconds").asDouble(), summary.path("train_seconds").asDouble(), 0.002);
        for (String figure : List.of("compute_ms_per_iteration", "sync_ms_per_iteration")) {
            double weighted = 0;
            for (JsonNode epoch : epochs.subList(1, 3)) {
                weighted += epoch.path(figure).asDouble() * epoch.path("iterations").asInt();
            }
            assertEquals(28, epochs.get(1).path("iterations").asInt() + epochs.get(2).path("iterations").asInt());
            assertEquals(weighted / 28, summary.path(figure).asDouble(), 0.002, figure + ": " + summary);
        }
    }

    @Test
    void checkpointsArePrunedToTheNewestFew() throws IOException {
        run(config("pruned", "checkpoint.keep=2"), Optional.empty());
        CheckpointStore store = CheckpointStore.open(out.resolve("pruned-ckpt").toString(), 2, new Configuration());
        assertEquals(List.of("ckpt-000000000030", "ckpt-000000000040"), store.list());
        // Reading the directory picks the newest.
        assertEquals(40, CheckpointStore.read(out.resolve("pruned-ckpt").toString(), new Configuration()).state()
                .iteration());
    }

    /** The outer momentum's buffer is part of the optimizer state: a resume may change its value, not drop it. */
    @Test
    void resumingWithoutTheOuterMomentumIsRefused() throws IOException {
        String[] settings = {"training.mode=average", "training.average-every=4", "training.max-iterations=12",
            "training.average-outer-momentum=0.5"};
        run(config("outer", settings), Optional.empty());
        Checkpoint checkpoint = CheckpointStore.read(out.resolve("outer-ckpt").toString(), new Configuration());
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> run(config("outer2",
                "training.mode=average", "training.average-every=4"), Optional.of(checkpoint)));
        assertTrue(e.getMessage().startsWith("training.average-outer-momentum: is 0.0 but was 0.5 in "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        run(config("outer3", concat(settings, "training.average-outer-momentum=0.8", "training.max-iterations=16")),
                Optional.of(checkpoint));
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void resumingIntoADifferentNetworkIsRefused() throws IOException {
        run(config("shape"), Optional.empty());
        Checkpoint checkpoint = CheckpointStore.read(out.resolve("shape-ckpt").toString(), new Configuration());
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> run(config("shape2", "model.layers=" + Benchmark.dense(64)), Optional.of(checkpoint)));
        assertTrue(e.getMessage().startsWith("model: differs from the model in "), e.getMessage());
        assertTrue(e.getMessage().contains("(model.layers[0].units is 64 but was 256)"), e.getMessage());
    }

    @Test
    void aCorruptCheckpointIsAnErrorNamingTheFile() throws IOException {
        run(config("corrupt"), Optional.empty());
        Path chunk = out.resolve("corrupt-ckpt/ckpt-000000000040/state-00000.bin");
        byte[] bytes = Files.readAllBytes(chunk);
        bytes[100] ^= 0x55;
        Files.write(chunk, bytes);
        // The listing is intact, so the checkpoint is accepted until its chunk is read: then one line names it.
        Checkpoint checkpoint = CheckpointStore.read(out.resolve("corrupt-ckpt").toString(), new Configuration());
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> run(config("corrupt-resumed"), Optional.of(checkpoint)));
        assertTrue(e.getMessage().contains("state-00000.bin: is corrupt: its checksum does not match"),
                e.getMessage());
        Files.write(chunk, Arrays.copyOf(bytes, 40));
        assertTrue(assertThrows(InvalidDataException.class, () -> CheckpointStore.read(out.resolve("corrupt-ckpt")
                .toString(), new Configuration())).getMessage().contains("state-00000.bin: is 40 bytes but the"
                + " checkpoint lists"));
    }

    @Test
    void divergenceStopsAtOnceNamesTheLastGoodCheckpointAndWritesNoModel() {
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> run(config("diverge", "optimizer.name=sgd", "optimizer.learning-rate=1e6",
                        "checkpoint.every-iterations=1"), Optional.empty()));
        assertTrue(e.getMessage().contains("the last good checkpoint is "), e.getMessage());
        assertTrue(e.getMessage().contains("ckpt-0000000000" + String.format("%02d", e.iteration())), e.getMessage());
        assertFalse(Files.exists(out.resolve("diverge-out/model.zip")));
        assertFalse(Files.exists(out.resolve("diverge-out/summary.json")));
    }

    @Test
    void theResumedModelIsAPlainDl4jModel() throws IOException {
        run(config("model"), Optional.empty());
        MultiLayerNetwork model = MultiLayerNetwork.load(out.resolve("model-out/model.zip").toFile(), true);
        assertEquals(48, model.getIterationCount());
        assertEquals(3, model.getEpochCount());
    }
}
