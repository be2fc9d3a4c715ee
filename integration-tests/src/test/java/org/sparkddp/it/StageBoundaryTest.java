package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.Distributed.finalState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.train.CheckpointSink;
import org.sparkddp.driver.train.EarlyStoppingState;
import org.sparkddp.driver.train.StageRecord;
import org.sparkddp.driver.train.TrainingResult;

/**
 * Where stages end never changes the result: a run cut into stages by checkpoints or iterations-per-stage, at
 * intervals that are not multiples of average-every, ends bitwise where a run of one stage per epoch ends, in both
 * modes. In average mode this holds because such stage ends move to the next average; the checkpoints that were
 * due are written there.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StageBoundaryTest extends LocalSparkTest {
    private static final int K = 4;
    /** 2,000 examples in batches of 150: 14 iterations per epoch, so epochs do not end on an average. */
    private static final int PER_EPOCH = 14;
    private static final int EPOCHS = 2;

    /** The run with one stage per epoch and no checkpoints, per mode. */
    private final Map<String, TrainingResult> unbroken = new HashMap<>();

    /** Records the iterations at which checkpoints were due, writing nothing. */
    private static final class RecordingSink implements CheckpointSink {
        final List<Long> iterations = new ArrayList<>();

        @Override
        public void save(StateVersion state, Optional<EarlyStoppingState> stopping) {
            iterations.add(state.iteration());
        }

        @Override
        public Optional<String> last() {
            return Optional.empty();
        }
    }

    private TrainingResult train(String mode, CheckpointSink sink, String... overrides) {
        List<String> settings = new ArrayList<>(List.of("training.mode=" + mode, "training.average-every=" + K,
                "training.batch-size=150", "training.epochs=" + EPOCHS, "training.stage-seconds=null",
                "checkpoint.dir=" + out.resolve("checkpoints")));
        settings.addAll(List.of(overrides));
        return Distributed.train(sc, data, TestData.config(out, settings.toArray(String[]::new)), sink);
    }

    private TrainingResult unbroken(String mode) {
        return unbroken.computeIfAbsent(mode, m -> {
            TrainingResult result = train(m, CheckpointSink.NONE);
            assertEquals(EPOCHS, result.stages().size(), "the reference run should have one stage per epoch");
            return result;
        });
    }

    @ParameterizedTest
    @CsvSource({"sync, 5", "sync, 7", "sync, 13", "average, 5", "average, 7", "average, 13"})
    void checkpointsAtAnyIntervalLeaveTheResultUnchanged(String mode, int every) {
        RecordingSink sink = new RecordingSink();
        TrainingResult checkpointed = train(mode, sink, "checkpoint.every-iterations=" + every);

        assertSameState(unbroken(mode), checkpointed);
        assertEquals(expectedCheckpoints(mode, every), sink.iterations,
                "checkpoints written (iterations) with every-iterations=" + every);
        if (mode.equals("average")) {
            assertStagesEndOnAverages(checkpointed);
        }
    }

    @ParameterizedTest
    @CsvSource({"sync, 5", "sync, 7", "average, 5", "average, 7"})
    void iterationsPerStageThatAreNotMultiplesOfKLeaveTheResultUnchanged(String mode, int perStage) {
        TrainingResult staged = train(mode, CheckpointSink.NONE, "training.iterations-per-stage=" + perStage);

        assertSameState(unbroken(mode), staged);
        assertTrue(staged.stages().size() > EPOCHS, "the epochs were not cut into stages");
        if (mode.equals("average")) {
            assertStagesEndOnAverages(staged);
        }
    }

    /**
     * Local SGD's warm-up and outer Nesterov step keep the property: the outer step's anchor is the state a stage
     * starts from, and its momentum travels in the stored optimizer state.
     */
    @ParameterizedTest
    @CsvSource({"5", "7"})
    void localSgdStagesThatAreNotMultiplesOfKLeaveTheResultUnchanged(int perStage) {
        String[] localSgd = {"training.average-warmup-iterations=6", "training.average-outer-lr=0.8",
            "training.average-outer-momentum=0.9"};
        TrainingResult whole = train("average", CheckpointSink.NONE, localSgd);
        List<String> staged = new ArrayList<>(List.of(localSgd));
        staged.add("training.iterations-per-stage=" + perStage);
        TrainingResult cut = train("average", CheckpointSink.NONE, staged.toArray(String[]::new));

        assertSameState(whole, cut);
        assertTrue(cut.stages().size() > EPOCHS, "the epochs were not cut into stages");
        assertStagesEndOnAverages(cut);
        assertEquals(3 * finalState(whole).params().length, finalState(whole).updaterState().length,
                "Adam's two moments and the outer momentum");
    }

    /**
     * A checkpoint at the first stage end at or after each multiple of {@code every}: that multiple itself in sync
     * mode; in average mode the next average (a multiple of K) or the epoch's end, whichever comes first.
     */
    private static List<Long> expectedCheckpoints(String mode, int every) {
        long total = (long) PER_EPOCH * EPOCHS;
        List<Long> expected = new ArrayList<>();
        for (long due = every; due <= total; due += every) {
            long end = mode.equals("sync") ? due : Math.min(roundUp(due, K), roundUp(due, PER_EPOCH));
            if (expected.isEmpty() || expected.get(expected.size() - 1) != end) {
                expected.add(end);
            }
        }
        return expected;
    }

    private static long roundUp(long n, long step) {
        return (n + step - 1) / step * step;
    }

    private static void assertStagesEndOnAverages(TrainingResult result) {
        for (StageRecord s : result.stages()) {
            long end = s.firstIteration() + s.iterations();
            assertTrue(end % K == 0 || end % PER_EPOCH == 0, "a stage ends at " + end
                    + ", neither an average nor an epoch's end");
        }
    }

    static void assertSameState(TrainingResult expected, TrainingResult actual) {
        assertEquals(expected.iterations(), actual.iterations());
        assertEquals(finalState(expected).iteration(), finalState(actual).iteration());
        assertTrue(Arrays.equals(finalState(expected).params(), finalState(actual).params()), "parameters differ");
        assertTrue(Arrays.equals(finalState(expected).updaterState(), finalState(actual).updaterState()),
                "optimizer state differs");
    }
}
