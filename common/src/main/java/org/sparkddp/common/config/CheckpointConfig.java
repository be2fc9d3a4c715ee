package org.sparkddp.common.config;

import java.io.Serializable;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code checkpoint} section: where and how often the training state is saved, so that a killed driver can
 * resume exactly where it stopped.
 *
 * @param dir             directory (any Hadoop FileSystem URI), or empty for no checkpoints
 * @param everyIterations write a checkpoint every this many iterations, if set
 * @param everyEpochs     write a checkpoint at the end of every this many epochs, if set
 * @param keep            how many of the newest checkpoints to keep
 */
public record CheckpointConfig(Optional<String> dir, OptionalInt everyIterations, OptionalInt everyEpochs, int keep)
        implements Serializable {
    public CheckpointConfig {
        dir.ifPresent(d -> Checks.nonBlank("checkpoint.dir", d));
        everyIterations.ifPresent(v -> Checks.positive("checkpoint.every-iterations", v));
        everyEpochs.ifPresent(v -> Checks.positive("checkpoint.every-epochs", v));
        Checks.positive("checkpoint.keep", keep);
    }

    /** No checkpoints. */
    public static final CheckpointConfig NONE = new CheckpointConfig(Optional.empty(), OptionalInt.empty(),
            OptionalInt.empty(), 1);

    public boolean enabled() {
        return dir.isPresent();
    }

    /**
     * Whether a checkpoint is due after {@code iterationsDone} iterations, {@code epochEnd} when that ends an epoch,
     * the last checkpoint having been written after {@code lastWritten}. By iterations, one is due when a multiple
     * of every-iterations lies in {@code (lastWritten, iterationsDone]}: stages need not end exactly on one.
     */
    public boolean dueAfter(long lastWritten, long iterationsDone, boolean epochEnd, int epochsDone) {
        if (!enabled()) {
            return false;
        }
        boolean byIterations = everyIterations.isPresent()
                && iterationsDone / everyIterations.getAsInt() > lastWritten / everyIterations.getAsInt();
        boolean byEpochs = epochEnd && epochsDone % everyEpochs.orElse(1) == 0
                && (everyEpochs.isPresent() || everyIterations.isEmpty());
        return byIterations || byEpochs;
    }
}
