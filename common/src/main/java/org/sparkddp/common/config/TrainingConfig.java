package org.sparkddp.common.config;

import java.io.Serializable;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code training} section. Read on the driver; executors get only what a stage needs.
 *
 * @param mode               how workers combine their work
 * @param averageEvery       in average mode, local optimizer steps between parameter averages
 * @param shardedOptimizer   in sync mode, each worker applies the optimizer to its slice of the parameters only
 * @param collective         how the workers exchange: a flat ring, a hierarchy by host, or chosen from the hosts
 * @param workers            number of data shards, i.e. parallel gradient computations
 * @param batchSize          global minibatch size, split across the workers
 * @param epochs             passes over the training data
 * @param seed               root of every random choice (weights, shards, shuffles)
 * @param maxIterations      optional cap on the number of optimizer steps
 * @param iterationsPerStage optional stage length in iterations; empty means one stage per epoch
 * @param syncTimeout        longest wait for peers in one synchronization step
 * @param stageAttempts      times a stage is submitted before its task failures end the job
 * @param elastic            whether and how far the worker count may change between stages
 * @param stageSeconds       optional bound on a stage's wall time, in seconds: a stage ends at the first
 *                           iteration (in average mode, the first average) after it; empty means no time bound
 * @param jobTimeout         longest the driver waits for any one Spark job it submits (a training stage, an
 *                           evaluation) before it cancels the job and fails the run
 * @param stateChunk         bytes per chunk of the training state the executors keep between stages (and the
 *                           driver names by one checksum per chunk); the cut does not depend on the worker count
 * @param engine             what computes each worker's forward and backward pass: the CPU engine where it covers
 *                           the network, or DL4J's layers
 * @param wireCrypto         encrypt and authenticate every frame of the collective and the rendezvous with
 *                           AES-GCM (also on whenever Spark's spark.network.crypto.enabled is); otherwise each
 *                           frame carries a CRC-32C
 * @param localSgd           in average mode, the synchronous warm-up and the outer step applied at each average
 * @param wire               how gradients cross sockets between workers: fp32, or bf16 with error feedback
 * @param bucketMb           in sync mode, MiB of gradient per bucket that a communication thread reduces while the
 *                           backward pass goes on; 0: no overlap, the whole gradient once backward has ended
 */
public record TrainingConfig(
        TrainingMode mode,
        int averageEvery,
        boolean shardedOptimizer,
        CollectiveKind collective,
        int workers,
        int batchSize,
        int epochs,
        long seed,
        OptionalLong maxIterations,
        OptionalInt iterationsPerStage,
        Duration syncTimeout,
        int stageAttempts,
        ElasticConfig elastic,
        OptionalInt stageSeconds,
        Duration jobTimeout,
        long stateChunk,
        EngineKind engine,
        boolean wireCrypto,
        LocalSgdConfig localSgd,
        WireFormat wire,
        double bucketMb) implements Serializable {
    /** Smallest and largest {@code training.state-chunk}: tests force small chunks; a chunk is one Java buffer. */
    static final long MIN_STATE_CHUNK = 1 << 10;
    static final long MAX_STATE_CHUNK = 1 << 30;
    /** Largest {@code training.bucket-mb}: a bucket's float count must stay an int. */
    static final double MAX_BUCKET_MB = 1024;

    public TrainingConfig {
        Checks.present("training.mode", mode);
        Checks.positive("training.average-every", averageEvery);
        Checks.present("training.collective", collective);
        Checks.present("training.engine", engine);
        Checks.positive("training.workers", workers);
        Checks.positive("training.batch-size", batchSize);
        Checks.positive("training.epochs", epochs);
        maxIterations.ifPresent(v -> Checks.positive("training.max-iterations", v));
        iterationsPerStage.ifPresent(v -> Checks.positive("training.iterations-per-stage", v));
        Checks.present("training.sync-timeout", syncTimeout);
        Checks.positive("training.stage-attempts", stageAttempts);
        Checks.present("training.elastic", elastic);
        Checks.present("training.average-warmup-iterations", localSgd);
        Checks.present("training.wire", wire);
        if (!(bucketMb >= 0 && bucketMb <= MAX_BUCKET_MB)) {
            throw new InvalidConfigException("training.bucket-mb", "must be between 0 (no overlap) and "
                    + (int) MAX_BUCKET_MB + " but got " + bucketMb);
        }
        if (elastic.enabled() && (workers < elastic.minWorkers() || workers > elastic.maxWorkers())) {
            throw new InvalidConfigException("training.workers", "must lie between training.min-workers ("
                    + elastic.minWorkers() + ") and training.max-workers (" + elastic.maxWorkers() + ") but got "
                    + workers);
        }
        int most = Math.max(workers, elastic.maxWorkers());
        if (batchSize < most) {
            throw new InvalidConfigException("training.batch-size", "must be at least "
                    + (elastic.enabled() ? "training.max-workers" : "training.workers") + " (" + most
                    + ") so that every worker gets an example per iteration, but got " + batchSize);
        }
        stageSeconds.ifPresent(v -> Checks.positive("training.stage-seconds", v));
        Checks.present("training.job-timeout", jobTimeout);
        if (jobTimeout.compareTo(Duration.ofSeconds(1)) < 0 || jobTimeout.compareTo(Duration.ofDays(7)) > 0) {
            throw new InvalidConfigException("training.job-timeout", "must be between 1s and 7d but got " + jobTimeout);
        }
        if (stateChunk < MIN_STATE_CHUNK || stateChunk > MAX_STATE_CHUNK || stateChunk % Float.BYTES != 0) {
            throw new InvalidConfigException("training.state-chunk", "must be a multiple of 4 bytes between 1k and "
                    + "1g but got " + stateChunk + " bytes");
        }
        if (syncTimeout.compareTo(Duration.ofSeconds(1)) < 0 || syncTimeout.compareTo(Duration.ofDays(1)) > 0) {
            throw new InvalidConfigException("training.sync-timeout",
                    "must be between 1s and 1d but got " + syncTimeout);
        }
    }

    /** Floats per state chunk. */
    public int stateChunkFloats() {
        return (int) (stateChunk / Float.BYTES);
    }

    /**
     * Whether the optimizer state ends with average mode's outer momentum buffer (one value per parameter): the one
     * rule the network's layout, the averaging step and a resume's check all follow.
     */
    public boolean outerMomentumInState() {
        return mode == TrainingMode.AVERAGE && localSgd.hasOuterMomentum();
    }
}
