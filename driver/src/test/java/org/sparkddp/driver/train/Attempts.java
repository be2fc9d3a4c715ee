package org.sparkddp.driver.train;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.sparkddp.common.config.ElasticConfig;

/**
 * {@link StageAttempts} on a fixed worker count, without a SparkContext: the clock that times the attempts, and
 * what a listener would have seen of each failure, are the test's.
 */
final class Attempts {
    private Attempts() {
    }

    static <T> StageAttempts.Outcome<T> run(int maxAttempts, int workers, String what, long firstIteration,
                                            LongSupplier reached, Supplier<T> job) {
        return run(maxAttempts, workers, what, firstIteration, reached, job, System::nanoTime);
    }

    static <T> StageAttempts.Outcome<T> run(int maxAttempts, int workers, String what, long firstIteration,
                                            LongSupplier reached, Supplier<T> job, LongSupplier nanoClock) {
        return StageAttempts.attempt(maxAttempts, fixed(workers), what, firstIteration, 0, reached, w -> job.get(),
                nanoClock, StageAttempts.Witness.NONE);
    }

    static <T> StageAttempts.Outcome<T> run(int maxAttempts, int workers, String what, Supplier<T> job,
                                            StageAttempts.Witness witness) {
        return StageAttempts.attempt(maxAttempts, fixed(workers), what, 0, 0, () -> -1, w -> job.get(),
                System::nanoTime, witness);
    }

    /** A count that never changes, on a cluster that always has the slots; its waits pass at once (a fake clock). */
    private static WorkerSizing fixed(int workers) {
        AtomicLong clock = new AtomicLong();
        return new WorkerSizing(ElasticConfig.fixed(workers, Duration.ZERO), workers, () -> Integer.MAX_VALUE,
                clock::get, clock::addAndGet);
    }
}
