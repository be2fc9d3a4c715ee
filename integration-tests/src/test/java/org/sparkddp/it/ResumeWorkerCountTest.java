package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.driver.TrainingJob;
import org.sparkddp.driver.checkpoint.Checkpoint;
import org.sparkddp.driver.checkpoint.CheckpointStore;
import org.sparkddp.driver.checkpoint.ResumeCheck;
import org.sparkddp.driver.train.TrainingResult;

/**
 * A checkpoint resumed on another worker count, in local mode through the job the command line runs. In sync mode
 * that is a resize at the checkpoint's iteration, as an elastic run makes one, and it ends bit for bit where an
 * elastic run that resized there ends; where the worker count changes the math (average mode, batch norm) it is
 * refused in one line.
 *
 * <p>NOTE: local mode cannot take task slots away from a running job, so the resize this compares with is the one
 * it can make: an elastic run that grows from 1 worker to 2 at its first stage, resumed from the same checkpoint.
 * The shrink (2 workers to 1) is checked against the undisturbed two-worker run within the elastic tests' bound.
 */
@Tag("slow")
class ResumeWorkerCountTest extends LocalSparkTest {
    /**
     * 3 epochs of 16 iterations, a checkpoint at each epoch's end and where training.max-iterations cuts a run.
     * Plain SGD and tanh, as in the elastic and worker-count independence tests: Adam turns last-bit differences
     * into visible ones.
     */
    private static final List<String> JOB = List.of("training.epochs=3", "optimizer.name=sgd",
            "optimizer.learning-rate=0.05", "model.activation=tanh");
    /** The elastic cluster test's bound for the float rounding of summing 1, 2 or 3 shares (1e-7 after 20 steps). */
    private static final double TOLERANCE = 1e-5;

    private String console;

    private TrainingResult run(ConfigLoader.Loaded loaded, Optional<Checkpoint> resume) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TrainingJob job = new TrainingJob(loaded, new Configuration(), new PrintStream(bytes, true,
                StandardCharsets.UTF_8), false);
        TrainingJob.Prepared prepared = job.prepare();
        resume.ifPresent(c -> ResumeCheck.verify(c, loaded, prepared.data().train()));
        try {
            return job.run(sc, prepared, resume);
        } finally {
            console = bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private ConfigLoader.Loaded config(String name, String... overrides) {
        List<String> all = new ArrayList<>(List.of("output.dir=" + out.resolve(name + "-out"),
                "checkpoint.dir=" + out.resolve(name + "-ckpt")));
        all.addAll(JOB);
        all.addAll(List.of(overrides));
        return TestData.config(out, all.toArray(String[]::new));
    }

    /** The newest checkpoint of run {@code name}: the one its iteration cap wrote. */
    private Checkpoint cutCheckpoint(String name, long iteration) {
        Checkpoint c = CheckpointStore.read(out.resolve(name + "-ckpt").toString(), new Configuration());
        assertEquals(iteration, c.state().iteration(), c.location());
        return c;
    }

    @Test
    void resumingOnTwoWorkersFromAOneWorkerCheckpointEndsBitForBitAsTheElasticResizeThere() throws IOException {
        // Cut mid-epoch 2 by the cap: the run's last checkpoint is its last state.
        run(config("one", "training.workers=1", "training.max-iterations=20"), Optional.empty());
        Checkpoint cut = cutCheckpoint("one", 20);

        TrainingResult resumed = run(config("two", "training.workers=2"), Optional.of(cut));
        assertTrue(console.contains("resuming from " + cut.location() + " at iteration 20 on 2 workers instead of 1"),
                console);
        TrainingResult grown = run(config("grown", "training.workers=1", "training.elastic=true",
                "training.max-workers=2"), Optional.of(cut));
        JsonNode resizes = ChildRun.summary(out.resolve("grown-out")).path("resizes");
        assertEquals(1, resizes.size(), resizes.toString());
        assertEquals(20, resizes.get(0).path("iteration").asLong(), resizes.toString());
        assertEquals(1, resizes.get(0).path("from").asInt(), resizes.toString());
        assertEquals(2, resizes.get(0).path("to").asInt(), resizes.toString());

        assertEquals(48, resumed.iterations());
        assertArrayEquals(finalState(grown).params(), finalState(resumed).params(), "parameters");
        assertArrayEquals(finalState(grown).updaterState(), finalState(resumed).updaterState(), "optimizer state");
    }

    @Test
    void resumingOnOneWorkerFromATwoWorkerCheckpointEndsWithinFloatRoundingOfTheUndisturbedRun() throws IOException {
        TrainingResult whole = run(config("whole", "training.workers=2"), Optional.empty());
        Checkpoint epoch1 = CheckpointStore.read(out.resolve("whole-ckpt/ckpt-000000000016").toString(),
                new Configuration());
        TrainingResult shrunk = run(config("shrunk", "training.workers=1"), Optional.of(epoch1));

        assertEquals(48, shrunk.iterations());
        float[] expected = finalState(whole).params();
        float[] actual = finalState(shrunk).params();
        double relative = Tolerances.maxRelativeError(expected, actual, 1e-3);
        System.out.printf(Locale.ROOT, "resumed on 1 worker from the 2-worker checkpoint of iteration 16: after 48"
                + " iterations, parameters within %.3g (relative) and %.3g (absolute) of the undisturbed run%n",
                relative, Tolerances.maxAbsoluteError(expected, actual));
        assertTrue(relative < TOLERANCE, "relative error " + relative);
        assertFalse(Arrays.equals(expected, actual), "one worker summed its batch as two do: the resize did not happen");
    }

    @Test
    void anotherWorkerCountIsRefusedWhereItChangesTheMath() throws IOException {
        run(config("average", "training.mode=average", "training.average-every=2", "training.max-iterations=2"),
                Optional.empty());
        Checkpoint average = cutCheckpoint("average", 2);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> run(config("average-1",
                "training.mode=average", "training.average-every=2", "training.workers=1"), Optional.of(average)));
        assertEquals("training.workers: is 1 but was 2 in " + average.location() + ", and in average mode each worker"
                + " steps alone on its share of the batch between averages, so the worker count changes the result;"
                + " resume with training.workers = 2", e.getMessage());

        String layers = "model.layers=[{type=dense,units=32},{type=batch-norm}]";
        run(config("norm", layers, "training.max-iterations=2"), Optional.empty());
        Checkpoint norm = cutCheckpoint("norm", 2);
        e = assertThrows(InvalidConfigException.class, () -> run(config("norm-1", layers, "training.workers=1"),
                Optional.of(norm)));
        assertTrue(e.getMessage().endsWith("and batch norm normalizes each worker's share of a batch on its own, so"
                + " the worker count changes every step; resume with training.workers = 2"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
