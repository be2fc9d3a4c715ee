package org.sparkddp.driver.spark;

import java.util.Locale;
import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.common.model.ModelSize;

/**
 * The native (ND4J, off-heap) memory one executor needs to train a model, estimated from its size before anything
 * is allocated. Runs on the driver.
 *
 * <p>Per task slot: the replica's parameters, its gradient and its optimizer state, the sharded optimizer's copy of
 * its slice, the activations of its local batch (forward values and their gradients), and the CPU engine's scratch
 * for that batch (its convolutions' im2col columns). Per executor, besides:
 * the state chunks it keeps between stages, each rank's slice held twice (replication 2), and a staging copy of
 * one chunk while it is written.
 *
 * @param size       the model's size
 * @param slots      training tasks that run at once in one executor JVM
 * @param workers    training.workers
 * @param localBatch examples one rank computes per iteration (the global batch over the workers, rounded up)
 * @param sharded    whether each rank keeps a slice copy for the sharded optimizer step
 * @param chunkBytes the largest state chunk staged at once
 */
public record ModelMemory(ModelSize size, int slots, int workers, long localBatch, boolean sharded, long chunkBytes) {
    /** NOTE: the state path's chunks are at most this large (64 MiB); a chunk is staged whole while it is written. */
    public static final long CHUNK_BYTES = 64L << 20;
    private static final long FLOAT = Float.BYTES;

    public ModelMemory {
        if (slots <= 0 || workers <= 0 || localBatch <= 0 || chunkBytes <= 0) {
            throw new IllegalArgumentException("slots, workers, local batch and chunk size must be > 0 but got "
                    + slots + ", " + workers + ", " + localBatch + " and " + chunkBytes);
        }
    }

    /** For a training config, with {@code slots} tasks per executor JVM (local mode: all of them). */
    public static ModelMemory of(ModelSize size, TrainingConfig training, int slots) {
        int workers = training.workers();
        long localBatch = (training.batchSize() + workers - 1) / workers;
        return new ModelMemory(size, Math.min(slots, workers), workers, localBatch, training.shardedOptimizer(),
                CHUNK_BYTES);
    }

    public long parameterBytes() {
        return size.parameters() * FLOAT;
    }

    public long gradientBytes() {
        return size.parameters() * FLOAT;
    }

    public long optimizerBytes() {
        return size.optimizerValues() * FLOAT;
    }

    /** The sharded optimizer step's slice: 1/workers of the parameters and of the optimizer state. */
    public long sliceBytes() {
        return sharded ? ceilDiv(parameterBytes() + optimizerBytes(), workers) : 0;
    }

    /** Activations and their gradients for the local batch. */
    public long activationBytes() {
        return 2 * localBatch * size.activationsPerExample() * FLOAT;
    }

    /** The CPU engine's native scratch for the local batch: every convolution's im2col columns. */
    public long scratchBytes() {
        return localBatch * size.scratchPerExample() * FLOAT;
    }

    public long perSlotBytes() {
        return parameterBytes() + gradientBytes() + optimizerBytes() + sliceBytes() + activationBytes()
                + scratchBytes();
    }

    /** The state chunks the executor keeps between stages: its ranks' slices, replicated twice. */
    public long storedStateBytes() {
        return 2 * slots * ceilDiv(parameterBytes() + optimizerBytes(), workers);
    }

    public long stagingBytes() {
        return Math.min(chunkBytes, parameterBytes() + optimizerBytes());
    }

    /** What one executor needs in all. */
    public long executorBytes() {
        return slots * perSlotBytes() + storedStateBytes() + stagingBytes();
    }

    /** The estimate and its parts, one line, e.g. for the error that says it does not fit. */
    public String describe() {
        long p = size.parameters();
        return String.format(Locale.ROOT, "%s = %d task slot%s x (parameters %,d x 4 B + gradient %,d x 4 B +"
                        + " optimizer state %,d x %d x 4 B + sharded slice %s + activations %,d examples x %,d values x"
                        + " 2 x 4 B + engine scratch %,d values x 4 B per example = %s) + stored state 2 x %d slice%s"
                        + " of (parameters + optimizer state)/%d = %s + one staged chunk %s", mib(executorBytes()),
                slots, slots == 1 ? "" : "s", p, p, p,
                size.optimizerValuesPerParam(), mib(sliceBytes()), localBatch, size.activationsPerExample(),
                size.scratchPerExample(), mib(perSlotBytes()), slots, slots == 1 ? "" : "s", workers, mib(storedStateBytes()),
                mib(stagingBytes()));
    }

    /** Mebibytes, rounded up, as JVM options write them: {@code 1536m}. */
    static String mib(long bytes) {
        return ceilDiv(bytes, 1L << 20) + "m";
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
