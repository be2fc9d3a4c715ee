package org.sparkddp.common.config;

import java.io.Serializable;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code optimizer.schedule} section: how the learning rate changes with the iteration (optimizer step).
 *
 * @param type             none, step, exponential or cosine decay
 * @param decayRate        the factor of each decay, in (0, 1]
 * @param stepEvery        iterations between decays of a step or cosine schedule
 * @param warmupIterations iterations over which the rate ramps up linearly to the scheduled rate (0: no warmup)
 * @param decayIterations  the length of a cosine schedule; null for the others
 */
public record ScheduleSpec(ScheduleType type, double decayRate, int stepEvery, int warmupIterations,
        Integer decayIterations) implements Serializable {
    /**
     * The most steps a cosine schedule may take: DL4J's model holds it as a map with one value per step, in every
     * layer's updater, so its size is bounded here (a step per epoch takes as many values as there are epochs).
     */
    public static final int MAX_COSINE_STEPS = 10_000;

    public ScheduleSpec(ScheduleType type, double decayRate, int stepEvery, int warmupIterations) {
        this(type, decayRate, stepEvery, warmupIterations, null);
    }

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
        if (type == ScheduleType.COSINE) {
            if (decayIterations == null) {
                throw new InvalidConfigException("optimizer.schedule.type",
                        "cosine needs optimizer.schedule.decay-iterations (the iterations the rate falls over)");
            }
            Checks.positive("optimizer.schedule.decay-iterations", decayIterations);
            if (stepEvery >= decayIterations) {
                // One step would hold the first rate over the whole run: the rate would never fall.
                throw new InvalidConfigException("optimizer.schedule.step-every", "must be less than "
                        + "optimizer.schedule.decay-iterations (" + decayIterations + ") for a cosine, but got "
                        + stepEvery);
            }
            if ((decayIterations - 1L) / stepEvery + 1 > MAX_COSINE_STEPS) {
                throw new InvalidConfigException("optimizer.schedule.decay-iterations", "takes more than "
                        + MAX_COSINE_STEPS + " steps of step-every = " + stepEvery + " iterations: raise step-every");
            }
        } else if (decayIterations != null) {
            throw new InvalidConfigException("optimizer.schedule.decay-iterations",
                    "applies only when optimizer.schedule.type = cosine, but it is " + type.configName());
        }
    }
}
