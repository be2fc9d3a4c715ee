package org.sparkddp.driver.train;

import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.sparkddp.worker.stage.ProgressAccumulator;

/**
 * Where the training run of this JVM stands: the furthest iteration the driver knows done (from the executors'
 * heartbeats and from each stage's end) and the newest checkpoint, for the one line a SIGINT or SIGTERM ends the
 * run with. Runs on the driver: updated on the listener-bus and training threads, read on the signal's.
 */
public final class RunPosition implements TrainingListener {
    /** The run this JVM trains now, or trained last; a driver trains one run at a time. */
    private static final AtomicReference<RunPosition> CURRENT = new AtomicReference<>();

    private final Optional<String> checkpointDir;
    private final Supplier<Optional<String>> lastCheckpoint;
    /** Global iterations done, and the 0-based epoch of the last of them (of the next one, at the start). */
    private long iteration;
    private int epoch;

    private RunPosition(long iteration, int iterationsPerEpoch, Optional<String> checkpointDir,
                        Supplier<Optional<String>> lastCheckpoint) {
        this.iteration = iteration;
        this.epoch = (int) (iteration / iterationsPerEpoch);
        this.checkpointDir = checkpointDir;
        this.lastCheckpoint = lastCheckpoint;
    }

    /**
     * A run that starts at global iteration {@code iteration} (0, or a resumed checkpoint's): from now on the one
     * that {@link #current} gives.
     *
     * @param checkpointDir  checkpoint.dir, if set
     * @param lastCheckpoint the newest checkpoint written, or resumed from ({@link CheckpointSink#last})
     */
    public static RunPosition start(long iteration, int iterationsPerEpoch, Optional<String> checkpointDir,
                                    Supplier<Optional<String>> lastCheckpoint) {
        RunPosition position = new RunPosition(iteration, iterationsPerEpoch, checkpointDir, lastCheckpoint);
        CURRENT.set(position);
        return position;
    }

    /** The run this JVM trains, if it has started one. */
    public static Optional<RunPosition> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    @Override
    public void onProgress(ProgressAccumulator.Tick tick, int iterationsInEpoch, int epochs) {
        advance(tick.iteration(), tick.epoch());
    }

    @Override
    public void onStage(StageRecord stage, int iterationsInEpoch, int epochs) {
        advance(stage.firstIteration() + stage.iterations(), stage.epoch());
    }

    private synchronized void advance(long done, int inEpoch) {
        if (done >= iteration) {
            iteration = done;
            epoch = inEpoch;
        }
    }

    /**
     * E.g. {@code at iteration 57 (epoch 2); the last checkpoint is DIR/ckpt-000000000050; resume with --resume
     * DIR/ckpt-000000000050}, or where none was written, why and how to have one.
     */
    public synchronized String describe() {
        String where = String.format(Locale.ROOT, "at iteration %d (epoch %d)", iteration, epoch + 1);
        Optional<String> last = lastCheckpoint.get();
        if (last.isPresent()) {
            return where + "; the last checkpoint is " + last.get() + "; resume with --resume " + last.get();
        }
        if (checkpointDir.isPresent()) {
            return where + "; no checkpoint was written to " + checkpointDir.get() + " yet (checkpoint.every-iterations"
                    + " or checkpoint.every-epochs says when), so a new run starts from the beginning";
        }
        return where + "; no checkpoint was written (checkpoint.dir is not set: set it to be able to resume an"
                + " interrupted run with --resume)";
    }
}
