package org.sparkddp.driver.train;

import org.sparkddp.common.config.Augmentation;
import org.sparkddp.common.config.CheckpointConfig;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.common.config.ValidationConfig;
import org.sparkddp.common.model.NetworkSpec;

/**
 * What a {@link TrainingMaster} trains and on which schedule, in named parts rather than positional arguments. Made
 * on the driver, from the job's config ({@link #of}) wherever a run is assembled, so that no part can be left at a
 * default by one caller and not by another.
 *
 * @param training    the training section: mode, workers, batch size, epochs, limits
 * @param network     how every replica is built
 * @param augment     data.augment, applied on the executors to each training minibatch
 * @param validation  when the validation set is evaluated, and whether to stop early
 * @param checkpoints when checkpoints are due (their writer is the master's {@link CheckpointSink})
 */
public record TrainingPlan(TrainingConfig training, NetworkSpec network, Augmentation augment,
                           ValidationConfig validation, CheckpointConfig checkpoints) {
    public TrainingPlan {
        if (training == null || network == null || augment == null || validation == null || checkpoints == null) {
            throw new IllegalArgumentException("a training plan lacks a part (Augmentation.NONE, ValidationConfig.NONE"
                    + " and CheckpointConfig.NONE name none)");
        }
    }

    /** Every part from the job's config, for {@code network}. */
    public static TrainingPlan of(SparkDdpConfig config, NetworkSpec network) {
        return new TrainingPlan(config.training(), network, config.data().augment(), config.validation(),
                config.checkpoint());
    }
}
