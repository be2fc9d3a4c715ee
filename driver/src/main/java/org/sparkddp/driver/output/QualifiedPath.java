package org.sparkddp.driver.output;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * Resolves a path the driver hands to executor tasks to an absolute, fully qualified URI, against the driver's
 * working directory and default FileSystem ({@code output/run} becomes {@code file:/home/me/output/run}). Runs on
 * the driver.
 *
 * <p>Why: an executor resolves a relative path against its own working directory (on a standalone worker, the
 * application's {@code work/app-.../N/}), so a model written there is not where the driver said, and the worker's
 * cleanup deletes it.
 */
public final class QualifiedPath {
    private QualifiedPath() {
    }

    /**
     * @param key what named the path (a config key or an option), for the one-line error a malformed or incomplete
     *            URI ({@code hdfs:///x} with no namenode) gets
     */
    public static String of(String location, Configuration hadoopConf, String key) {
        try {
            Path path = new Path(location);
            return path.getFileSystem(hadoopConf).makeQualified(path).toString();
        } catch (IllegalArgumentException e) { // an empty or malformed URI, an unknown host in hdfs://host/...
            throw new InvalidConfigException(key, "'" + location + "' is not a usable path: " + firstLine(e.getMessage()));
        } catch (IOException e) { // "Incomplete HDFS URI, no host", a FileSystem that cannot start
            throw new InvalidConfigException(key, "'" + location + "' is not a usable path: "
                    + StorageFailures.reason(e));
        }
    }

    private static String firstLine(String message) {
        return message == null ? "malformed" : message.lines().findFirst().orElse(message);
    }
}
