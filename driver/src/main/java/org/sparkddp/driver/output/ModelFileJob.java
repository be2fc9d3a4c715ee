package org.sparkddp.driver.output;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.driver.train.JobDeadline;
import org.sparkddp.worker.state.ModelFileTask;
import org.sparkddp.worker.state.StateSource;

/**
 * Writes {@code model.zip} into the output directory with a job of one executor task ({@link ModelFileTask}): the
 * network is built and loaded there and written through the Hadoop FileSystem, to a temporary name and renamed, so
 * the model is never assembled in the driver's heap (the driver receives the file's size). Bounded by
 * {@code training.job-timeout}. Runs on the driver.
 */
public final class ModelFileJob {
    private ModelFileJob() {
    }

    /** @return the size of model.zip */
    public static long write(JavaSparkContext sc, JobDeadline deadline, OutputDirectory output, NetworkSpec spec,
                             StateSource state) {
        String directory = output.location();
        List<Long> sizes = deadline.run("save · write " + ModelFile.NAME, () -> sc.parallelize(List.of(0), 1)
                .map(i -> ModelFileTask.write(spec, state, directory, ModelFile.NAME)).collect());
        return sizes.get(0);
    }
}
