package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparkddp.driver.train.TrainingResult;
import org.sparkddp.worker.stage.FaultInjection;

/**
 * The state never meets the driver's serialization limits: with spark.driver.maxResultSize forced down to 1 MB, a
 * model whose state (784-512-10 with Adam: 407k parameters, 4.9 MB) used to come back from rank 0 in its task result,
 * and so failed every attempt, trains in one attempt per stage, since the ranks return checksums and keep the state.
 * (A result over maxResultSize is still classified as deterministic and not resubmitted: FailureClassifierTest.)
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
    void aStateOverTheDriversMaxResultSizeTrainsWithoutPassingThroughTheDriver() {
        AtomicInteger attempts = new AtomicInteger();
        FaultInjection.set((rank, iteration) -> {
            if (rank == 0 && iteration == 0) {
                attempts.incrementAndGet(); // each submission of the first stage starts here
            }
        });
        TrainingResult result = Distributed.train(sc, data, TestData.config(out, MASTER,
                "spark.driver.maxResultSize=1m", "training.stage-attempts=4", "training.max-iterations=3",
                "optimizer.name=adam", "model.layers=[{type=dense,units=512}]"));
        assertEquals(3, result.iterations());
        assertEquals(1, attempts.get(), "the stage was resubmitted");
        assertEquals(407_050, result.finalVersion().paramCount());
        result.release();
    }
}
