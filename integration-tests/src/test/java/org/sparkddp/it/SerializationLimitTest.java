package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparkddp.driver.train.StageFailedException;
import org.sparkddp.worker.stage.FaultInjection;

/**
 * A serialization limit is deterministic: with spark.driver.maxResultSize forced down to 1 MB, rank 0's state
 * (784-512-10 with Adam: 407k parameters, 4.9 MB) passes it on every attempt. The stage fails once, known by the
 * task Spark kills for it, and is not resubmitted.
 *
 * <p>NOTE: Spark 3.5 serializes task results as a stream of chunks, so spark.kryoserializer.buffer.max does not
 * limit them; the driver's maxResultSize does.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SerializationLimitTest extends FaultInjectionTest {
    @Override
    String[] contextSettings() {
        return new String[] {MASTER, "spark.driver.maxResultSize=1m"};
    }

    @Test
    void aTaskResultOverTheDriversMaxResultSizeFailsItsStageOnceAndIsNotResubmitted() {
        AtomicInteger attempts = new AtomicInteger();
        FaultInjection.set((rank, iteration) -> {
            if (rank == 0 && iteration == 0) {
                attempts.incrementAndGet(); // each submission of the first stage starts here
            }
        });
        StageFailedException e = assertThrows(StageFailedException.class, () -> Distributed.train(sc, data,
                TestData.config(out, MASTER, "spark.driver.maxResultSize=1m", "training.stage-attempts=4",
                        "training.max-iterations=3", "optimizer.name=adam",
                        "model.layers=[{type=dense,units=512}]")));
        assertEquals(1, attempts.get(), "the stage was resubmitted");
        String line = e.getMessage();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.contains("cannot be resubmitted: not retried, a serialization limit fails the same way on"
                + " every attempt") && line.contains("spark.driver.maxResultSize"), line);
    }
}
