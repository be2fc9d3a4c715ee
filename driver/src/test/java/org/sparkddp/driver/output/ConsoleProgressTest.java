package org.sparkddp.driver.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.wire.ComputePath;
import org.sparkddp.driver.train.StageRecord;
import org.sparkddp.worker.stage.ProgressAccumulator;

/**
 * The plain progress lines: one per heartbeat tick beyond the last shown, and one at each stage's end that no
 * heartbeat showed, so that a run whose heartbeats never reach the driver still shows where it is.
 */
class ConsoleProgressTest {
    private static StageRecord stage(int epoch, long first, int iterations, float lastLoss) {
        float[] losses = new float[iterations];
        losses[iterations - 1] = lastLoss;
        int[] examples = new int[iterations];
        java.util.Arrays.fill(examples, 16);
        return new StageRecord(epoch, first, losses, examples, new long[iterations], 1_000_000_000L, 0, 0, 1, 0, 0,
                List.of(), 2, List.of());
    }

    private static List<String> lines(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8).lines().map(l -> l.replaceAll(" · [^·]* samples/s · ETA .*", ""))
                .toList();
    }

    @Test
    void aStageEndNoHeartbeatShowedIsALine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress console = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 250,
                16, Duration.ZERO);
        console.onStage(stage(0, 0, 25, 1.5f), 125, 2); // no heartbeat came
        console.onProgress(new ProgressAccumulator.Tick(0, 20, 20, 9f), 125, 2); // a late one from that stage
        console.onProgress(new ProgressAccumulator.Tick(0, 40, 40, 1.25f), 125, 2);
        console.onProgress(new ProgressAccumulator.Tick(0, 50, 50, 1.0f), 125, 2);
        console.onStage(stage(0, 25, 25, 1.0f), 125, 2); // its end was shown by the heartbeat
        console.onStage(stage(1, 125, 25, 0.5f), 125, 2);
        assertEquals(List.of("epoch 1/2 · iteration 25/125 · loss 1.5000", "epoch 1/2 · iteration 40/125 · loss 1.2500",
                "epoch 1/2 · iteration 50/125 · loss 1.0000", "epoch 2/2 · iteration 25/125 · loss 0.5000"), lines(bytes));
    }

    @Test
    void plainLinesKeepTheirInterval() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress console = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 250,
                16, Duration.ofHours(1));
        console.onStage(stage(0, 0, 25, 1.5f), 125, 2);
        console.onProgress(new ProgressAccumulator.Tick(0, 40, 40, 1.25f), 125, 2);
        assertEquals(List.of(), lines(bytes));
    }

    @Test
    void howTheExecutorsComputeIsALineAtTheFirstStageAndAtEachChange() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress console = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 250,
                16, Duration.ofHours(1));
        ComputePath sharded = new ComputePath("the CPU engine", "sync, sharded optimizer");
        ComputePath replicated = new ComputePath("the CPU engine", "sync, replicated optimizer");
        for (ComputePath path : List.of(sharded, sharded, ComputePath.UNREPORTED, replicated)) {
            StageRecord s = stage(0, 0, 25, 1.5f);
            console.onStage(new StageRecord(s.epoch(), s.firstIteration(), s.losses(), s.examples(), s.endNanos(),
                    s.wallNanos(), 0, 0, 1, 0, 0, List.of(), 2, List.of(), path), 125, 2);
        }
        assertEquals(List.of("compute: layers: the CPU engine; step: sync, sharded optimizer",
                "compute: layers: the CPU engine; step: sync, replicated optimizer"), lines(bytes));
    }
}
