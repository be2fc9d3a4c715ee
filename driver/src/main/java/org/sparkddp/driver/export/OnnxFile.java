package org.sparkddp.driver.export;

import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.driver.output.PlaceTaking;

/**
 * Writes an exported model to a local path or any Hadoop FileSystem URI, whole or not at all. Runs on the driver.
 * The bytes go to a hidden temporary file beside the target, which is then renamed into place, so a reader never
 * sees half a model. An existing file is refused unless {@code overwrite}; then it is renamed aside first and
 * removed after, so it stays whole until the new one is (as {@code predict} treats its output).
 */
public final class OnnxFile {
    private OnnxFile() {
    }

    /**
     * @param key the option or parameter that named the location, for messages ({@code --output})
     * @return the fully qualified location written
     */
    public static String write(byte[] model, String location, boolean overwrite, Configuration hadoop, String key)
            throws IOException {
        Path target;
        FileSystem fs;
        try {
            target = new Path(location);
            fs = target.getFileSystem(hadoop);
            target = fs.makeQualified(target);
            fs.setWriteChecksum(false); // no .crc side file next to the model on local disk
            if (fs.exists(target)) {
                if (fs.getFileStatus(target).isDirectory()) {
                    throw new InvalidConfigException(key, "'" + location + "' is a directory; name the .onnx file"
                            + " to write");
                }
                if (!overwrite) {
                    throw new InvalidConfigException(key, "'" + location + "' exists already; "
                            + (key.startsWith("--") ? "pass --overwrite" : "set overwrite") + " to replace it, or"
                            + " choose another " + key);
                }
            }
        } catch (IllegalArgumentException | IOException e) {
            throw new InvalidConfigException(key, "cannot write to '" + location + "': " + (e instanceof IOException io
                    ? StorageFailures.reason(io) : e.getMessage()));
        }
        Path temporary = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        try {
            try (OutputStream out = fs.create(temporary, false)) {
                out.write(model);
            }
            PlaceTaking.moveIntoPlace(fs, temporary, target);
        } finally {
            fs.delete(temporary, false); // only what a failed write left
        }
        return target.toString();
    }
}
