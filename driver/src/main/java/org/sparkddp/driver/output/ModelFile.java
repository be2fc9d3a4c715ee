package org.sparkddp.driver.output;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.train.JobDeadline;
import org.sparkddp.worker.state.ModelFileTask;

/**
 * {@code model.zip}, in DL4J's ModelSerializer format with the updater state, so that plain DL4J loads it
 * ({@code MultiLayerNetwork.load}) and can even continue training it. Written into the output directory by a job of
 * one executor task ({@link ModelFileTask}): the network is built and loaded there from the state's chunks and
 * written through the Hadoop FileSystem, to a temporary name and renamed, so the model is never assembled in the
 * driver's heap (the driver receives the file's size). Bounded by {@code training.job-timeout}. Runs on the driver.
 */
public final class ModelFile {
    public static final String NAME = "model.zip";

    private ModelFile() {
    }

    /** @return the size of model.zip */
    public static long write(JavaSparkContext sc, JobDeadline deadline, OutputDirectory output, NetworkSpec spec,
                             StateVersion state) {
        String directory = output.location();
        List<Long> sizes = deadline.run("save · write " + NAME, () -> sc.parallelize(List.of(0), 1)
                .map(i -> ModelFileTask.write(spec, state, directory, NAME)).collect());
        return sizes.get(0);
    }
}
