package org.sparkddp.common.config;

import java.io.Serializable;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code optimizer.schedule} section: how the learning rate changes with the iteration (optimizer step).
 *
 * @param type             none, step or exponential decay
 * @param decayRate        the factor of each decay, in (0, 1]
 * @param stepEvery        iterations between decays of a step schedule
 * @param warmupIterations iterations over which the rate ramps up linearly to the scheduled rate (0: no warmup)
 */
public record ScheduleSpec(ScheduleType type, double decayRate, int stepEvery, int warmupIterations)
        implements Serializable {
    public ScheduleSpec {
        Checks.present("optimizer.schedule.type", type);
        if (!(decayRate > 0 && decayRate <= 1)) {
            throw new InvalidConfigException("optimizer.schedule.decay-rate", "must be in (0, 1] but got " + decayRate);
        }
        Checks.positive("optimizer.schedule.step-every", stepEvery);
        if (warmupIterations < 0) {
            throw new InvalidConfigException("optimizer.schedule.warmup-iterations",
                    "must be >= 0 but got " + warmupIterations);
        }
    }
}
