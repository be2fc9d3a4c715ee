package org.sparkddp.common.model;

import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;
import org.sparkddp.common.config.OptimizerConfig;
import org.sparkddp.common.config.ScheduleSpec;
import org.sparkddp.common.config.UpdaterSpec;

/**
 * The DL4J optimizer (an {@link IUpdater}) and learning-rate schedule an {@link OptimizerConfig} describes.
 *
 * <p>NOTE: schedules count optimizer steps (DL4J's {@code ScheduleType.ITERATION}), which the workers pass as the global
 * iteration, so a schedule means the same whatever the worker count.
 */
public final class Optimizers {
    private Optimizers() {
    }

    /** @param globalBatchSize the global minibatch, for the linear scaling rule */
    public static IUpdater updater(OptimizerConfig config, int globalBatchSize) {
        double lr = config.scaledLearningRate(globalBatchSize);
        IUpdater updater = base(config.updater(), lr);
        ISchedule schedule = schedule(config.schedule(), lr);
        if (schedule != null) {
            updater.setLrAndSchedule(lr, schedule);
        }
        return updater;
    }

    private static IUpdater base(UpdaterSpec spec, double lr) {
        if (spec instanceof UpdaterSpec.Momentum m) {
            return new ClassicMomentum(lr, m.momentum());
        } else if (spec instanceof UpdaterSpec.Nesterov n) {
            return new Nesterovs(lr, n.momentum());
        } else if (spec instanceof UpdaterSpec.AdaGrad a) {
            return new AdaGrad(lr, a.epsilon());
        } else if (spec instanceof UpdaterSpec.RmsProp r) {
            return new RmsProp(lr, r.decay(), r.epsilon());
        } else if (spec instanceof UpdaterSpec.Adam a) {
            return new Adam(lr, a.beta1(), a.beta2(), a.epsilon());
        }
        return new Sgd(lr);
    }

    /** The schedule, or null for a fixed rate (so that DL4J takes exactly the path it takes for a plain rate). */
    static ISchedule schedule(ScheduleSpec spec, double lr) {
        ISchedule decay = switch (spec.type()) {
            case NONE -> null;
            case STEP -> new StepSchedule(ScheduleType.ITERATION, lr, spec.decayRate(), spec.stepEvery());
            case EXPONENTIAL -> new ExponentialSchedule(ScheduleType.ITERATION, lr, spec.decayRate());
            case COSINE -> cosine(lr, spec.stepEvery(), spec.decayIterations());
        };
        if (spec.warmupIterations() == 0) {
            return decay;
        }
        return new LinearWarmup(decay == null ? new FixedSchedule(lr) : decay, spec.warmupIterations());
    }

    /**
     * Cosine decay as DL4J's own {@link MapSchedule} (so a saved model loads in plain DL4J): one value per step of
     * {@code stepEvery} iterations, {@code lr * (1 + cos(pi * i / length)) / 2} at the step's first iteration i.
     * The map holds {@code ceil(length / stepEvery)} values, which {@code ScheduleSpec} bounds.
     */
    static MapSchedule cosine(double lr, int stepEvery, int length) {
        MapSchedule.Builder map = new MapSchedule.Builder(ScheduleType.ITERATION);
        for (long i = 0; i < length; i += stepEvery) {
            map.add((int) i, lr * (1 + Math.cos(Math.PI * i / length)) / 2);
        }
        return map.build();
    }
}
