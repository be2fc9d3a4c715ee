package org.sparkddp.worker.state;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.util.ModelSerializer;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.wire.StateVersion;

/**
 * The one task that writes {@code model.zip}: builds the network from its spec, loads the state into it, writes
 * DL4J's ModelSerializer format (with the updater state, so plain DL4J loads it and can continue training) to a
 * local temporary file, copies that to a hidden temporary name in the output directory through the Hadoop
 * FileSystem and renames it into place. Runs on an executor: the model is never assembled in the driver's heap.
 */
public final class ModelFileTask {
    private ModelFileTask() {
    }

    /** @return the size of the file written */
    public static long write(NetworkSpec spec, StateVersion state, String directory, String name) {
        TrainableNetwork network = NetworkFactory.build(spec);
        StateLoader.load(state, network);
        Path target = new Path(directory, name);
        Path temporary = new Path(directory, "." + name + ".tmp-" + UUID.randomUUID());
        File local = null;
        try {
            local = File.createTempFile("spark-ddp-model-", ".zip");
            ModelSerializer.writeModel(network.dl4jModel(), local, true);
            FileSystem fs = target.getFileSystem(ExecutorHadoop.conf());
            boolean done = false;
            try {
                fs.copyFromLocalFile(false, true, new Path(local.toURI()), temporary);
                // NOTE: Hadoop's rename does not replace a file on every FileSystem. The directory is a fresh one or a
                // replacing run's staging directory, or a resumed run's own: what is there is this run's (a retried
                // attempt of this task removes its predecessor's).
                if (fs.exists(target)) {
                    fs.delete(target, false);
                }
                if (!fs.rename(temporary, target)) {
                    throw new IOException("cannot rename " + temporary + " to " + target);
                }
                done = true;
                return fs.getFileStatus(target).getLen();
            } finally {
                if (!done) {
                    fs.delete(temporary, false);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot be written: " + StorageFailures.reason(e), e);
        } finally {
            if (local != null) {
                try {
                    Files.deleteIfExists(local.toPath());
                } catch (IOException e) {
                    local.deleteOnExit(); // a stray temporary file, not a failed model
                }
            }
        }
    }
}
