package org.sparkddp.common.config;

import java.io.Serializable;
import java.time.Duration;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * How the number of workers may change during a run ({@code training.elastic} and the keys beside it). Read on
 * the driver, which sizes each stage to the task slots the cluster has then; executors never see it.
 *
 * <p>NOTE: the global batches do not depend on the worker count (virtual shards), so in sync mode a resize changes
 * no example and no step: only the order in which floats are summed. In average mode each worker's local steps
 * run on its own share, so a resize changes the shares and with them the result.
 *
 * @param enabled         whether stages may run on fewer or more workers than {@code training.workers}
 * @param minWorkers      the fewest workers training goes on with; fewer ends the run
 * @param maxWorkers      the most workers a stage uses when the cluster has more task slots
 * @param replacementWait how long the driver waits for a lost executor's replacement before going on with the
 *                        workers that are left (elastic) or failing (not elastic); also how long it waits for the
 *                        task slots of the first stage
 */
public record ElasticConfig(boolean enabled, int minWorkers, int maxWorkers, Duration replacementWait)
        implements Serializable {

    public ElasticConfig {
        Checks.positive("training.min-workers", minWorkers);
        Checks.positive("training.max-workers", maxWorkers);
        Checks.present("training.replacement-wait", replacementWait);
        if (minWorkers > maxWorkers) {
            throw new InvalidConfigException("training.min-workers",
                    "must be at most training.max-workers (" + maxWorkers + ") but got " + minWorkers);
        }
        if (replacementWait.isNegative() || replacementWait.compareTo(Duration.ofDays(1)) > 0) {
            throw new InvalidConfigException("training.replacement-wait",
                    "must be between 0s and 1d but got " + replacementWait);
        }
    }

    /** A fixed worker count, as without {@code training.elastic}. */
    public static ElasticConfig fixed(int workers, Duration replacementWait) {
        return new ElasticConfig(false, workers, workers, replacementWait);
    }
}
